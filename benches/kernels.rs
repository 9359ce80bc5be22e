//! Native reference for the wasm figures (issue 5): the same scans, on the same packs, compiled
//! for this CPU (`RUSTFLAGS="-C target-cpu=native"`), plus the read-bandwidth floor.
//!
//! `benches/run.mjs` writes its seeded packs to a directory and runs
//! `CARTSENSE_BENCH_PACKS=<dir> cargo bench --bench kernels`; each `<n>x<d>-<f32|int8>.cspk`
//! there is measured. Without the variable, 100,000 x 64 packs are generated with the same
//! generator as the JS harness.
//!
//! - `recommend/<pack>`: `Engine::recommend` top-10 after five views (what the JS bench times).
//! - `scan/<pack>`: the fused scan + top-10 alone, one fixed query.
//! - `read/<pack>`: summing the very bytes the scan reads (the bandwidth floor).

use std::hint::black_box;
use std::time::Duration;

use cartsense::kernels::{self, QueryI16};
use cartsense::pack::{Embeddings, Pack, PackWriter, Quantize};
use cartsense::rank::{Engine, Query};
use cartsense::topk::{Scored, TopK};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The JS harness's generator: `s = s * 1664525 + 1013904223 (mod 2^32)`, `s / 2^32 * 2 - 1`.
fn lcg(seed: u32) -> impl FnMut() -> f32 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(1664525).wrapping_add(1013904223);
        (s as f64 / 4294967296.0 * 2.0 - 1.0) as f32
    }
}

fn generated(n: usize, d: usize, q: Quantize) -> Vec<u8> {
    let mut r = lcg(12345);
    let ids: Vec<String> = (0..n).map(|i| format!("sku-{i}")).collect();
    let emb: Vec<f32> = (0..n * d).map(|_| r()).collect();
    let pop: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    PackWriter::new(ids, d, emb)
        .popularity(pop)
        .quantize(q)
        .to_bytes()
        .unwrap_or_default()
}

fn packs() -> Vec<(String, Vec<u8>)> {
    if let Ok(dir) = std::env::var("CARTSENSE_BENCH_PACKS") {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let p = e.path();
                let name = p.file_name()?.to_str()?.strip_suffix(".cspk")?.to_owned();
                Some((name, std::fs::read(&p).ok()?))
            })
            .collect();
        v.sort();
        return v;
    }
    vec![
        (
            "100000x64-int8".into(),
            generated(100_000, 64, Quantize::I8),
        ),
        (
            "100000x64-f32".into(),
            generated(100_000, 64, Quantize::F32),
        ),
    ]
}

/// Top-10 of one query over every row: the kernel without the engine around it.
fn scan_top10(pack: &Pack, u: &[f32], q16: &mut QueryI16, sel: &mut TopK, out: &mut Vec<Scored>) {
    let d = pack.dims();
    let tie = pack.popularity();
    sel.reset(10);
    let mut all = |_| true;
    let mut block = |first: usize, s: &mut [f32]| sel.offer_block(first, s, tie, &mut all);
    match pack.embeddings() {
        Embeddings::F32(m) => kernels::scan_f32(m, d, u, &mut block),
        Embeddings::I8 { scales, rows } => {
            kernels::quantize_query(u, q16);
            kernels::scan_i8(scales, rows, d, q16, &mut block);
        }
    }
    out.clear();
    sel.drain_sorted(out);
}

/// Bytes the scan reads: the rows (and the int8 scales).
fn scanned_bytes(pack: &Pack) -> usize {
    match pack.embeddings() {
        Embeddings::F32(m) => std::mem::size_of_val(m),
        Embeddings::I8 { scales, rows } => rows.len() + std::mem::size_of_val(scales),
    }
}

/// Read every byte the scan reads, from the same memory, with the least work per byte (the
/// bandwidth floor: the scan cannot be faster than this).
fn read_floor(pack: &Pack) -> u8 {
    match pack.embeddings() {
        Embeddings::F32(m) => read_bytes(bytemuck::cast_slice(m)),
        Embeddings::I8 { scales, rows } => {
            read_bytes(bytemuck::cast_slice(rows)) ^ read_bytes(bytemuck::cast_slice(scales))
        }
    }
}

/// 64 lanes of wrapping byte adds: two vector adds per 64 bytes with AVX2.
fn read_bytes(xs: &[u8]) -> u8 {
    let mut acc = [0u8; 64];
    let mut ch = xs.chunks_exact(64);
    for c in &mut ch {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(x);
        }
    }
    acc.iter()
        .chain(ch.remainder())
        .fold(0u8, |s, &x| s.wrapping_add(x))
}

fn bench(c: &mut Criterion) {
    for (name, bytes) in packs() {
        let Ok(pack) = Pack::from_bytes(&bytes) else {
            eprintln!("skipping {name}: not a valid pack");
            continue;
        };
        let n = pack.len();
        let scanned = scanned_bytes(&pack);
        let mut g = c.benchmark_group(name.clone());
        // Big catalogues take milliseconds per query: fewer samples keep the run short.
        g.sample_size(if n >= 1_000_000 { 20 } else { 50 });
        g.warm_up_time(Duration::from_millis(500));
        g.measurement_time(Duration::from_secs(if n >= 1_000_000 { 3 } else { 2 }));
        g.throughput(Throughput::Bytes(scanned as u64));

        let Ok(mut e) = Engine::from_bytes(&bytes) else {
            continue;
        };
        for i in 0..5 {
            let _ = e.view(&format!("sku-{}", (i * 997) % n), i as f64 * 60_000.0);
        }
        let q = Query::default();
        g.bench_function("recommend", |b| b.iter(|| black_box(e.recommend(&q))));

        let mut r = lcg(99);
        let u: Vec<f32> = (0..pack.dims()).map(|_| r()).collect();
        let (mut q16, mut sel, mut out) = (QueryI16::default(), TopK::new(10), Vec::new());
        g.bench_function("scan", |b| {
            b.iter(|| {
                scan_top10(&pack, black_box(&u), &mut q16, &mut sel, &mut out);
                black_box(out.len())
            })
        });

        g.bench_function("read", |b| {
            b.iter(|| black_box(read_floor(black_box(&pack))))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
