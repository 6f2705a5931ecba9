"""Writes the golden ESL captures in this directory (run from here: python3 generate.py).

The shapes follow FreeSWITCH's mod_event_socket documentation and source: header order,
percent-encoded plain values, the inner Content-Length of event bodies, JSON `_body`.
Content-Length values are computed here so the files stay exact."""
import json

def frame(headers, body=None):
    out = "".join(f"{k}: {v}\n" for k, v in headers)
    if body is not None:
        b = body.encode()
        # FreeSWITCH puts Content-Length first on events, after Content-Type on replies.
        out = out + f"Content-Length: {len(b)}\n"
    return out.encode() + b"\n" + (body.encode() if body is not None else b"")

def event_frame(body, ctype):
    b = body.encode()
    return f"Content-Length: {len(b)}\nContent-Type: {ctype}\n\n".encode() + b

UNSAFE = set(b"\r\n \"#%&+:;<=>?@[\\]^`{|}")

def url_encode(v):
    """switch_url_encode from FreeSWITCH's switch_utils.c."""
    return "".join(chr(b) if 0x20 <= b <= 0x7e and b not in UNSAFE else "%%%02X" % b
                   for b in v.encode())

def plain(headers, body=None):
    s = "".join(f"{k}: {url_encode(v)}\n" for k, v in headers)
    if body is not None:
        s += f"Content-Length: {len(body.encode())}\n\n{body}"
    else:
        s += "\n"
    return s

UUID = "a7c9f2de-5c3b-4f6e-9d8e-3b2a1c0d9e8f"
CORE = "42bdf272-16e6-11dd-b7a0-db4edd065621"
base = [("Core-UUID", CORE), ("FreeSWITCH-Hostname", "media-1"), ("FreeSWITCH-IPv4", "192.168.1.104"),
        ("Event-Date-Local", "2008-05-02 07:37:03"), ("Event-Date-GMT", "Thu, 01 May 2008 23:37:03 GMT"),
        ("Event-Date-Timestamp", "1209685023894968"), ("Event-Calling-File", "switch_core_state_machine.c"),
        ("Event-Calling-Function", "switch_core_session_reporting_state"), ("Event-Calling-Line-Number", "837"),
        ("Event-Sequence", "4242")]
hangup = [("Event-Name", "CHANNEL_HANGUP_COMPLETE")] + base + [
    ("Hangup-Cause", "NORMAL_CLEARING"), ("Channel-State", "CS_REPORTING"), ("Channel-Call-State", "HANGUP"),
    ("Unique-ID", UUID), ("Call-Direction", "outbound"), ("Caller-Caller-ID-Name", "IRISX Demo, Inc."),
    ("Caller-Caller-ID-Number", "+15559990000"), ("Caller-Destination-Number", "+15551234567"),
    ("variable_direction", "outbound"), ("variable_uuid", UUID), ("variable_sip_from_user", "+15559990000"),
    ("variable_irisx_call_id", UUID), ("variable_hangup_cause", "NORMAL_CLEARING"),
    ("variable_start_epoch", "1795464700"), ("variable_answer_epoch", "1795464702"),
    ("variable_end_epoch", "1795464703"), ("variable_duration", "3"), ("variable_billsec", "1"),
    ("variable_caller_id", "\"IRISX Demo\" <+15559990000>"),
    ("variable_switch_r_sdp", "v=0\r\no=- 1 2 IN IP4 203.0.113.10\r\nm=audio 30000 RTP/AVP 0\r\n"),
    ("variable_sip_allow", "INVITE, ACK, BYE"), ("variable_percent", "100%")]
BODY = "call record follows\nline two\n"

open("auth.bin", "wb").write(
    frame([("Content-Type", "auth/request")]) +
    frame([("Content-Type", "command/reply"), ("Reply-Text", "+OK accepted")]) +
    frame([("Content-Type", "command/reply"), ("Reply-Text", "-ERR invalid")]))

status = ("UP 0 years, 0 days, 2 hours, 10 minutes, 55 seconds, 491 milliseconds, 21 microseconds\n"
          "FreeSWITCH (Version 1.10.9-release git 31ae4f3 2023-01-20 20:29:13Z 64bit) is ready\n"
          "3 session(s) since startup\n0 session(s) - peak 2, last 5min 0\n"
          "0 session(s) per Sec out of max 30, peak 1, last 5min 0\n1000 session(s) max\n"
          "min idle cpu 0.00/99.57\nCurrent Stack Size/Max 240K/8192K\n")
open("api_status.bin", "wb").write(frame([("Content-Type", "api/response")], status))

job = "7f4db78a-17d7-11dd-b7a0-db4edd065621"
bg = plain([("Job-UUID", job), ("Job-Command", "originate"), ("Job-Command-Arg", "sofia/default/1005 '&park'"),
            ("Event-Name", "BACKGROUND_JOB"), ("Core-UUID", CORE), ("FreeSWITCH-Hostname", "ser"),
            ("FreeSWITCH-IPv4", "192.168.1.104"), ("FreeSWITCH-IPv6", "127.0.0.1"),
            ("Event-Date-Local", "2008-05-02 07:37:03"), ("Event-Date-GMT", "Thu, 01 May 2008 23:37:03 GMT"),
            ("Event-Date-timestamp", "1209685023894968"), ("Event-Calling-File", "mod_event_socket.c"),
            ("Event-Calling-Function", "api_exec"), ("Event-Calling-Line-Number", "609")],
           "+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n")
open("bgapi.bin", "wb").write(
    frame([("Content-Type", "command/reply"), ("Reply-Text", f"+OK Job-UUID: {job}"), ("Job-UUID", job)]) +
    event_frame(bg, "text/event-plain"))

open("hangup_plain.bin", "wb").write(event_frame(plain(hangup, BODY), "text/event-plain"))
j = dict(hangup); j["Content-Length"] = str(len(BODY.encode())); j["_body"] = BODY
open("hangup_json.bin", "wb").write(event_frame(json.dumps(j), "text/event-json"))

open("disconnect.bin", "wb").write(
    frame([("Content-Type", "text/disconnect-notice")],
          "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n") +
    frame([("Content-Type", "text/rude-rejection")], "Access Denied, go away.\n"))
