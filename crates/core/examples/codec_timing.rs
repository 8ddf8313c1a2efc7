//! Decode throughput of one compressed chunk, on one thread, without Node
//! in the way: `cargo run --release -p ndreduce-core --example codec_timing
//! -- CODEC FILE DECODED_BYTES` (CODEC: zstd, blosc, lz4, gzip, zlib). For
//! comparing the decoders with numcodecs' on the same bytes; the published
//! figures come from `npm run bench -- --zarr`, not from here.

use std::time::Instant;

use ndreduce_core::codec::{decode_into, Codec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [codec, file, expected] = &args[..] else {
        eprintln!("usage: codec_timing CODEC FILE DECODED_BYTES");
        std::process::exit(2);
    };
    let codec: Codec = codec.parse().expect("a codec name");
    let expected: usize = expected.parse().expect("a byte count");
    let src = std::fs::read(file).expect("a readable file");
    // One output reused, as the file path reuses its buffers.
    let mut out = vec![0u8; expected];
    let mut best = f64::INFINITY;
    for _ in 0..20 {
        let t = Instant::now();
        decode_into(&src, codec, &mut out, 0).expect("a valid chunk");
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(&out);
    }
    println!(
        "{}: {:.2} ms, {:.2} GB/s",
        codec.name(),
        best * 1e3,
        expected as f64 / best / 1e9
    );
}
