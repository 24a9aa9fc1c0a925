//! Benchmarks of load + validate + resolve + emit (no disk writes) for the committed
//! environments.yaml and for synthetic configurations of 10, 100 and 1000 services × 2 and 10
//! environments. Run with `cargo bench`; results are summarised in the README.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tofugen::pipeline::compile;

// The same allocator as the tofugen binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn committed(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/environments.yaml");
    let bytes = std::fs::read(path).expect("environments.yaml");
    c.bench_function("compile committed environments.yaml", |b| {
        b.iter(|| {
            let out = compile("environments.yaml", black_box(&bytes), true);
            assert!(!out.has_errors());
            out.files.len()
        })
    });
}

fn synthetic(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile synthetic");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for envs in [2usize, 10] {
        for services in [10usize, 100, 1000] {
            let text = tofugen::synthetic::config(services, envs);
            group.throughput(Throughput::Elements((services * envs) as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("{envs} envs"), services),
                &text,
                |b, text| {
                    b.iter(|| {
                        let out = compile("synthetic.yaml", black_box(text.as_bytes()), true);
                        assert!(!out.has_errors());
                        out.files.len()
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, committed, synthetic);
criterion_main!(benches);
