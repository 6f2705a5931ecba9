//! A deterministic cousin of the fuzz target that runs with every `cargo test`: the golden
//! captures, mutated many thousand ways (bit flips, truncations, insertions of protocol
//! bytes, duplicated slices, oversized lengths), and random bytes, go through the decoder fed
//! in random-sized pieces, then through the typed parsers. Nothing may panic, and every frame
//! the decoder yields must re-encode to bytes that decode to the same frame.

use bytes::BytesMut;
use esl::{Command, EslCodec, Event, Message, decode_all};
use tokio_util::codec::Decoder;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/golden", env!("CARGO_MANIFEST_DIR"));
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "bin"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    v.sort();
    assert!(v.len() >= 6, "golden captures found in {dir}");
    v
}

const TOKENS: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\n\n",
    b":",
    b"%",
    b"%4",
    b"%zz",
    b"Content-Length: ",
    b"Content-Length: 99999999999\n",
    b"Content-Length: -1\n",
    b"Content-Type: text/event-json\n",
    b"Content-Type: text/event-plain\n",
    b"\"_body\":",
    b"\\u",
    b"\\ud800",
    b"{",
    b"}",
    b"\xff\xfe",
    b"\xe2\x82",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut m = input.to_vec();
    for _ in 0..=rng.below(8) {
        let i = rng.below(m.len() + 1);
        match rng.below(6) {
            0 if !m.is_empty() => {
                let j = i.min(m.len() - 1);
                m[j] ^= 1 << rng.below(8);
            }
            1 => m.truncate(i),
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                m.splice(i..i, t.iter().copied());
            }
            3 if !m.is_empty() => {
                let j = i.min(m.len() - 1);
                m.remove(j);
            }
            4 if i < m.len() => {
                let end = (i + rng.below(64)).min(m.len());
                let dup = m[i..end].to_vec();
                m.splice(i..i, dup);
            }
            _ => {
                let n = rng.below(16);
                let random: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                m.splice(i..i, random);
            }
        }
    }
    m
}

fn exercise(rng: &mut Rng, input: &[u8]) -> usize {
    let mut codec = EslCodec::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    'feed: while pos < input.len() {
        let n = 1 + rng.below(512);
        let end = (pos + n).min(input.len());
        buf.extend_from_slice(&input[pos..end]);
        pos = end;
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(_) => break 'feed,
            }
        }
    }
    let count = frames.len();
    for f in frames {
        let again = decode_all(&f.to_bytes()).expect("a decoded frame re-encodes cleanly");
        assert_eq!(again, vec![f.clone()]);
        let _ = Command::parse(&f);
        if let Ok(Message::Event(e)) = Message::from_frame(f) {
            // Plain lines cannot carry a name with `:` or a line break (JSON keys can).
            if e.headers().all(|(k, _)| !k.contains([':', '\n', '\r'])) {
                let back = Event::parse_plain(e.to_plain().as_bytes()).unwrap();
                let (a, b): (Vec<_>, Vec<_>) = (back.headers().collect(), e.headers().collect());
                assert_eq!(a, b);
                assert_eq!(back.body(), e.body());
            }
            // A header literally named `_body` has no JSON form (that key is the body).
            if e.header("_body").is_none() {
                assert_eq!(
                    Event::parse_json(e.to_json().as_bytes()).ok().as_ref(),
                    Some(&*e)
                );
            }
        }
    }
    let _ = Event::parse_plain(input);
    let _ = Event::parse_json(input);
    count
}

#[test]
fn mutated_captures_never_panic() {
    let seeds = seeds();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut frames = 0;
    for round in 0..30_000 {
        let seed = &seeds[round % seeds.len()];
        let input = mutate(&mut rng, seed);
        frames += exercise(&mut rng, &input);
    }
    assert!(
        frames > 15_000,
        "mutations still mostly decode ({frames} frames)"
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5_000 {
        let n = rng.below(2048);
        let input: Vec<u8> = (0..n)
            .map(|_| {
                // Skewed toward protocol bytes so headers and blank lines appear often.
                let r = rng.next();
                match r % 4 {
                    0 => b"\n:% \r"[(r >> 8) as usize % 5],
                    _ => r as u8,
                }
            })
            .collect();
        exercise(&mut rng, &input);
    }
}
