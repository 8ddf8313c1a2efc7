//! Files reduce as memory does: every op, axis subset, order, window and
//! thread count.

use super::*;
use crate::reductions::{reduce_data, Data};
use crate::NEVER;

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ndreduce-stream-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn request(shape: &[usize], fortran: bool, axes: &[usize]) -> Request {
    let n = shape.len();
    let mut strides = vec![0isize; n];
    let mut step = 1;
    for k in 0..n {
        let a = if fortran { k } else { n - 1 - k };
        strides[a] = step;
        step *= shape[a] as isize;
    }
    let mut layout = vec![0.0, 0.0, n as f64];
    layout.extend(shape.iter().map(|&d| d as f64));
    layout.extend(strides.iter().map(|&s| s as f64));
    layout.push(axes.len() as f64);
    layout.extend(axes.iter().map(|&a| a as f64));
    Request::unpack(&layout, Schedule::Auto).unwrap()
}

fn close(a: &Output, b: &Output) -> bool {
    match (a, b) {
        (Output::F64(a), Output::F64(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * (1.0 + y.abs())
                })
        }
        _ => a == b,
    }
}

fn every_subset(n: usize) -> impl Iterator<Item = Vec<usize>> {
    (0..1usize << n).map(move |m| (0..n).filter(|a| m >> a & 1 == 1).collect())
}

/// Every op, every axis subset, C and F order and windows from one
/// element to the whole array give the in-memory results.
#[test]
fn files_reduce_as_memory_does() {
    let shape = [3, 4, 5];
    let n: usize = shape.iter().product();
    // Ties (values repeat), negative values and, in floats, NaN.
    let ints: Vec<i16> = (0..n).map(|i| ((i * 7919) % 11) as i16 - 5).collect();
    let floats: Vec<f64> = (0..n)
        .map(|i| {
            if i % 13 == 4 {
                f64::NAN
            } else {
                ((i * 7919) % 17) as f64 * 0.25 - 2.0
            }
        })
        .collect();
    let int_path = temp(
        "ints",
        &ints
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<_>>(),
    );
    let mut float_bytes = vec![7u8; 16]; // a data offset, as after a header
    float_bytes.extend(floats.iter().flat_map(|v| v.to_le_bytes()));
    let float_path = temp("floats", &float_bytes);
    let files = [
        (
            NpyFile {
                path: int_path.clone(),
                data_offset: 0,
                dtype: Dtype::I16,
                bools: false,
            },
            Data::I16(&ints),
            2,
        ),
        (
            NpyFile {
                path: float_path.clone(),
                data_offset: 16,
                dtype: Dtype::F64,
                bools: false,
            },
            Data::F64(&floats),
            8,
        ),
    ];
    for (file, data, size) in &files {
        for fortran in [false, true] {
            for axes in every_subset(3) {
                let r = request(&shape, fortran, &axes);
                for op in Reduction::names() {
                    let op: Reduction = op.parse().unwrap();
                    let expected = reduce_data(*data, &r, op, &NEVER);
                    for window in [
                        2 * size,
                        2 * size * 3,
                        2 * size * 7,
                        2 * size * 25,
                        DEFAULT_WINDOW,
                    ] {
                        let done = AtomicU64::new(0);
                        let got = reduce_file(file, &r, op, window, &done, &NEVER);
                        let same = match (&expected, &got) {
                            (Ok(a), Ok(b)) => close(a, b),
                            (Err(a), Err(b)) => a == b,
                            _ => false,
                        };
                        assert!(same, "{op:?} axes {axes:?} fortran {fortran} window {window}: {expected:?} vs {got:?}");
                        if got.is_ok() {
                            assert_eq!(done.into_inner(), (n * size) as u64);
                        }
                    }
                }
            }
        }
    }
    std::fs::remove_file(int_path).unwrap();
    std::fs::remove_file(float_path).unwrap();
}

/// Many chunks on one to eight threads give the in-memory results, and
/// the very same float sums whatever the thread count: each chunk is
/// folded serially and merged in chunk order.
#[test]
fn chunks_reduced_on_several_threads_merge_in_order() {
    let (rows, cols) = (600, 100);
    let values: Vec<f64> = (0..rows * cols)
        .map(|i| {
            let big = if i % 7 == 0 { 1e12 } else { 0.0 };
            ((i * 7919) % 1_000_003) as f64 * 1e-3 - 500.0 + big
        })
        .collect();
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let path = temp("threads", &bytes);
    let file = NpyFile {
        path: path.clone(),
        data_offset: 0,
        dtype: Dtype::F64,
        bools: false,
    };
    for fortran in [false, true] {
        for axes in [vec![0], vec![1], vec![0, 1]] {
            let base = request(&[rows, cols], fortran, &axes);
            for op in [
                Reduction::Sum,
                Reduction::ArgMax,
                Reduction::Min,
                Reduction::Var,
            ] {
                let expected = reduce_data(Data::F64(&values), &base, op, &NEVER).unwrap();
                let mut first: Option<Output> = None;
                for threads in [1, 2, 3, 8] {
                    let r = Request {
                        threads: Some(threads),
                        ..base.clone()
                    };
                    let done = AtomicU64::new(0);
                    // Windows of 700 elements: 7 rows of the C-order
                    // array, 1 column of the Fortran one; ~100 chunks.
                    let got = reduce_file(&file, &r, op, 7 * 8 * 100, &done, &NEVER).unwrap();
                    let what = format!("{op:?} axes {axes:?} fortran {fortran} threads {threads}");
                    assert!(close(&expected, &got), "{what}: {expected:?} vs {got:?}");
                    assert_eq!(done.into_inner(), bytes.len() as u64, "{what}");
                    match &first {
                        Some(f) => assert_eq!(f, &got, "{what}"),
                        None => first = Some(got),
                    }
                }
            }
        }
    }
    std::fs::remove_file(path).unwrap();
}

#[test]
fn truncated_and_shrunk_files_are_errors() {
    let path = temp("short", &[0u8; 40]);
    let file = NpyFile {
        path: path.clone(),
        data_offset: 0,
        dtype: Dtype::F64,
        bools: false,
    };
    let r = request(&[2, 3], false, &[0]);
    let done = AtomicU64::new(0);
    let e = reduce_file(&file, &r, Reduction::Max, 32, &done, &NEVER).unwrap_err();
    assert_eq!(e.code(), "ERR_NDREDUCE_BAD_NPY");
    assert!(e.to_string().contains("truncated"), "{e}");
    // A file that was long enough when checked and is short when read
    // (it shrank meanwhile): the reader's short read is the error.
    let source = FileSource::<f64> {
        file: File::open(&path).unwrap(),
        at: &file,
        geometry: Geometry::new(&[2, 3], &[3, 1], 2).unwrap(),
        progress: &done,
        element: PhantomData,
    };
    let e = run(&source, &r, Reduction::Max, &NEVER).unwrap_err();
    assert_eq!(e.code(), "ERR_NDREDUCE_BAD_NPY");
    assert!(e.to_string().contains("shrank"), "{e}");
    std::fs::remove_file(path).unwrap();
    let e = reduce_file(&file, &r, Reduction::Max, 32, &done, &NEVER).unwrap_err();
    assert!(e.to_string().contains("opening"), "{e}");
}

#[test]
fn a_cancelled_reduction_stops() {
    let path = temp("cancel", &[0u8; 800]);
    let file = NpyFile {
        path: path.clone(),
        data_offset: 0,
        dtype: Dtype::F64,
        bools: false,
    };
    let cancel = Cancel::new();
    cancel.cancel();
    let done = AtomicU64::new(0);
    let r = request(&[10, 10], false, &[0, 1]);
    let e = reduce_file(&file, &r, Reduction::Sum, 32, &done, &cancel).unwrap_err();
    assert_eq!(e, Error::Aborted);
    std::fs::remove_file(path).unwrap();
}

#[test]
fn an_opened_file_is_read_whatever_its_path_names_now() {
    let values: Vec<i32> = vec![1, 5, 3, 4, 2, 6];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let path = temp("opened", &bytes);
    let opened = File::open(&path).unwrap();
    // The path now names other bytes (and could name a FIFO): the opened
    // description is what is reduced.
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, [0u8; 24]).unwrap();
    let at = NpyFile {
        path: path.clone(),
        data_offset: 0,
        dtype: Dtype::I32,
        bools: false,
    };
    let r = request(&[2, 3], false, &[0]);
    let done = AtomicU64::new(0);
    let got = reduce_opened(&opened, &at, &r, Reduction::Max, 16, &done, &NEVER).unwrap();
    assert_eq!(got, Output::I32(vec![4, 5, 6]));
    std::fs::remove_file(path).unwrap();
}

#[cfg(unix)]
#[test]
fn an_opened_file_that_is_not_regular_is_refused_before_any_read() {
    let dir = std::env::temp_dir();
    let opened = File::open(&dir).unwrap();
    let at = NpyFile {
        path: dir,
        data_offset: 0,
        dtype: Dtype::U8,
        bools: false,
    };
    let r = request(&[4], false, &[0]);
    let err = reduce_opened(&opened, &at, &r, Reduction::Sum, 16, &AtomicU64::new(0), &NEVER).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn bool_bytes_read_as_zero_or_one() {
    // NumPy reads a `|b1` byte 7 or 2 as True: sum 2 and max 1 here.
    let path = std::env::temp_dir().join(format!("ndreduce-bools-{}.bin", std::process::id()));
    std::fs::write(&path, [7u8, 0, 2]).unwrap();
    let file = NpyFile {
        path: path.clone(),
        data_offset: 0,
        dtype: Dtype::U8,
        bools: true,
    };
    let r = request(&[3], false, &[0]);
    let done = AtomicU64::new(0);
    let sum = reduce_file(&file, &r, Reduction::Sum, 2, &done, &NEVER).unwrap();
    let max = reduce_file(&file, &r, Reduction::Max, 2, &done, &NEVER).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(sum, Output::U64(vec![2]));
    assert_eq!(max, Output::U8(vec![1]));
}
