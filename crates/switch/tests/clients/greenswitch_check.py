"""The PyPI `greenswitch` ESL client against the switch: connect, authenticate, `api status`,
originate a call to a sipp UAS and follow its events until CHANNEL_HANGUP_COMPLETE.
Usage: python3 greenswitch_check.py <esl port> <uas port>"""
import sys
import uuid

import gevent
import greenswitch

esl_port, uas_port = int(sys.argv[1]), int(sys.argv[2])
call = str(uuid.uuid4())
seen = []
done = gevent.event.Event()


def on_answer(event):
    if event.headers.get('Unique-ID') == call:
        seen.append('CHANNEL_ANSWER')
        gevent.spawn_later(1.1, lambda: fs.send('api uuid_kill %s' % call))


def on_hangup(event):
    if event.headers.get('Unique-ID') == call:
        seen.append(event.headers.get('Hangup-Cause'))
        done.set()


fs = greenswitch.InboundESL(host='127.0.0.1', port=esl_port, password='ClueCon')
fs.connect()
status = fs.send('api status')
assert 'UP ' in status.data, status.data
fs.register_handle('CHANNEL_ANSWER', on_answer)
fs.register_handle('CHANNEL_HANGUP_COMPLETE', on_hangup)
reply = fs.send('events plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE')
assert reply.data.startswith('+OK'), reply.data
result = fs.send('api originate {origination_uuid=%s}sofia/external/1000@127.0.0.1:%d &park()' % (call, uas_port))
assert result.data.strip() == '+OK ' + call, result.data
if not done.wait(timeout=15):
    print('FAIL: no CHANNEL_HANGUP_COMPLETE; saw %s' % seen)
    sys.exit(1)
assert seen == ['CHANNEL_ANSWER', 'NORMAL_CLEARING'], seen
print('OK greenswitch %s' % seen)
fs.stop()
