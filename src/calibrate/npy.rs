//! Reading the user's `.npy` arrays with messages that name the file, the shape and the data
//! type found, and what is accepted.
//!
//! The header (format versions 1.0, 2.0 and 3.0) is parsed here, checked against what the
//! caller accepts and against the file's size (so a header claiming a huge shape never makes
//! labelbudget allocate), and only then is the data read by `ndarray-npy`. Accepted data types:
//! float64, float32 and the integer types int8 to int64 and uint8 to uint64, in either byte
//! order, C or Fortran order.

use crate::error::{Error, Result};
use ndarray::ArrayD;
use std::io::Read;
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// The numeric kinds labelbudget reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Float,
    Int,
    Uint,
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The type descriptor as written (`<f8`, `|u1`, ...).
    pub descr: String,
    pub shape: Vec<usize>,
    /// Where the data starts.
    pub offset: u64,
}

impl Header {
    /// The shape as numpy prints it: `(200, 8)`, `(1600,)`.
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }

    /// The numeric kind and item size in bytes, when labelbudget reads this type.
    pub fn numeric(&self) -> Option<(Kind, usize)> {
        let d = self.descr.as_bytes();
        if d.len() < 3 || !matches!(d[0], b'<' | b'>' | b'|') {
            return None;
        }
        let kind = match d[1] {
            b'f' => Kind::Float,
            b'i' => Kind::Int,
            b'u' => Kind::Uint,
            _ => return None,
        };
        let size: usize = self.descr[2..].parse().ok()?;
        let ok = match kind {
            Kind::Float => matches!(size, 4 | 8),
            Kind::Int | Kind::Uint => matches!(size, 1 | 2 | 4 | 8),
        };
        // one-byte types carry no byte order ('|'); wider ones must say it
        (ok && (size == 1) == (d[0] == b'|')).then_some((kind, size))
    }

    /// The data type in numpy's words: `float64`, `int8`, or the descriptor itself.
    pub fn dtype_name(&self) -> String {
        let d = self.descr.as_bytes();
        let bits = self.descr.get(2..).and_then(|s| s.parse::<usize>().ok());
        let name = match (d.get(1), bits) {
            (Some(b'f'), Some(b)) => format!("float{}", 8 * b),
            (Some(b'i'), Some(b)) => format!("int{}", 8 * b),
            (Some(b'u'), Some(b)) => format!("uint{}", 8 * b),
            (Some(b'c'), Some(b)) => format!("complex{}", 8 * b),
            (Some(b'b'), Some(1)) => "bool".into(),
            (Some(b'O'), _) => "object".into(),
            (Some(b'U'), _) => "unicode string".into(),
            (Some(b'S'), _) => "byte string".into(),
            _ => return format!("`{}`", self.descr),
        };
        format!("{name} (`{}`)", self.descr)
    }
}

/// `(200, 8)`, `(1600,)`, `()`.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [a] => format!("({a},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::file(path, message.into())
}

/// The value after `'key':` in a header dict (the rest of the text from it).
fn after_key<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    for q in ['\'', '"'] {
        let pat = format!("{q}{key}{q}");
        if let Some(i) = dict.find(&pat) {
            let rest = dict[i + pat.len()..].trim_start();
            return rest.strip_prefix(':').map(str::trim_start);
        }
    }
    None
}

/// Parse the header dict text (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }`).
fn parse_dict(dict: &str) -> std::result::Result<(String, Vec<usize>), String> {
    let descr = after_key(dict, "descr").ok_or("no 'descr' key")?;
    let descr = match descr.chars().next() {
        Some(q @ ('\'' | '"')) => {
            let end = descr[1..].find(q).ok_or("unterminated 'descr' string")?;
            descr[1..1 + end].to_string()
        }
        // a list of fields: a structured (record) array
        Some('[') => "structured".to_string(),
        _ => return Err("unreadable 'descr' value".into()),
    };
    let shape = after_key(dict, "shape").ok_or("no 'shape' key")?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split_once(')'))
        .map(|(a, _)| a)
        .ok_or("'shape' is not a tuple")?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| format!("shape entry `{s}` is not a size"))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((descr, shape))
}

/// Read and check the header of an `.npy` file: the magic string, a known version, a parseable
/// dict, and a data size that matches the shape and data type (when labelbudget reads the type).
///
/// # Errors
/// Each names the file and what was found.
pub fn header(path: &Path) -> Result<Header> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let file_len = f.metadata().map_err(io)?.len();
    let not_npy = |what: &str| {
        bad(
            path,
            format!(
                "not an .npy file ({what}); an .npy file starts with \\x93NUMPY and a header \
                 (numpy.save writes one; other files need another extension, e.g. .csv)"
            ),
        )
    };
    let mut start = [0u8; 8];
    if file_len < 10 || f.read_exact(&mut start).is_err() {
        return Err(not_npy(&format!(
            "{file_len} bytes, too short for a header"
        )));
    }
    if &start[..6] != MAGIC {
        return Err(not_npy("no magic string"));
    }
    let (major, minor) = (start[6], start[7]);
    let header_len = match major {
        1 => {
            let mut b = [0u8; 2];
            f.read_exact(&mut b).map_err(io)?;
            u64::from(u16::from_le_bytes(b))
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            f.read_exact(&mut b)
                .map_err(|_| not_npy("truncated header"))?;
            u64::from(u32::from_le_bytes(b))
        }
        _ => {
            return Err(bad(
                path,
                format!(
                    "unsupported .npy format version {major}.{minor} (versions 1.0, 2.0 and 3.0 are read)"
                ),
            ));
        }
    };
    let prefix = if major == 1 { 10 } else { 12 };
    let offset = prefix + header_len;
    if offset > file_len {
        return Err(bad(
            path,
            format!(
                "truncated .npy file: the header claims {header_len} bytes but the file has {file_len} bytes in all"
            ),
        ));
    }
    let mut text = vec![0u8; header_len as usize];
    f.read_exact(&mut text).map_err(io)?;
    let text = String::from_utf8_lossy(&text);
    let (descr, shape) = parse_dict(&text).map_err(|e| {
        bad(
            path,
            format!("malformed .npy header ({e}): `{}`", text.trim_end()),
        )
    })?;
    let h = Header {
        descr,
        shape,
        offset,
    };
    if let Some((_, size)) = h.numeric() {
        let data = file_len - offset;
        let need = h
            .shape
            .iter()
            .try_fold(size as u64, |a, &d| a.checked_mul(d as u64));
        if need != Some(data) {
            return Err(bad(
                path,
                format!(
                    "the header's shape {} of {} needs {} bytes of data but the file holds {data}: \
                     the file is truncated or its header is wrong",
                    h.shape_text(),
                    h.dtype_name(),
                    need.map_or("more than 2^64".into(), |n| n.to_string()),
                ),
            ));
        }
    }
    Ok(h)
}

/// `$read!(T)` for the integer type `T` of header `$h` (int8 to uint64), else `$other`: the one
/// table from a header's integer kind and size to a Rust type.
macro_rules! by_int_type {
    ($h:expr, $read:ident, $other:expr) => {
        match $h.numeric() {
            Some((Kind::Int, 1)) => $read!(i8),
            Some((Kind::Int, 2)) => $read!(i16),
            Some((Kind::Int, 4)) => $read!(i32),
            Some((Kind::Int, 8)) => $read!(i64),
            Some((Kind::Uint, 1)) => $read!(u8),
            Some((Kind::Uint, 2)) => $read!(u16),
            Some((Kind::Uint, 4)) => $read!(u32),
            Some((Kind::Uint, 8)) => $read!(u64),
            _ => $other,
        }
    };
}

/// The whole array of `path` with element type `T` (the header was checked by [`header`]).
fn load<T: ndarray_npy::ReadableElement>(path: &Path, h: &Header) -> Result<ArrayD<T>> {
    ndarray_npy::read_npy(path).map_err(|e| {
        bad(
            path,
            format!("cannot read the {} data: {e}", h.dtype_name()),
        )
    })
}

/// The array of `path` in logical (row-major) order as f64, with its header. Integer values are
/// converted exactly up to 2^53 (the caller checks labels; features are standardised anyway).
///
/// # Errors
/// The data could not be read (the header was checked by [`header`]).
pub fn read_f64(path: &Path, h: &Header) -> Result<Vec<f64>> {
    macro_rules! read {
        ($t:ty) => {
            load::<$t>(path, h)?.iter().map(|&v| v as f64).collect()
        };
    }
    Ok(match h.numeric() {
        Some((Kind::Float, 8)) => read!(f64),
        Some((Kind::Float, 4)) => read!(f32),
        _ => by_int_type!(h, read, {
            return Err(bad(
                path,
                format!("data type {} is not read", h.dtype_name()),
            ));
        }),
    })
}

/// Integer data as i64 exactly (labels), or `None` for a float type. u64 values above i64's
/// range are an error naming the row.
///
/// # Errors
/// As [`read_f64`]; a uint64 value above 2^63 - 1.
pub fn read_i64(path: &Path, h: &Header) -> Result<Option<Vec<i64>>> {
    macro_rules! read {
        ($t:ty) => {{
            load::<$t>(path, h)?
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    i64::try_from(v).map_err(|_| {
                        bad(
                            path,
                            format!(
                                "row {i} (0-based): label {v} is above the largest accepted label {}",
                                i64::MAX
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<i64>>>()?
        }};
    }
    Ok(Some(by_int_type!(h, read, return Ok(None))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn raw(dir: &Path, name: &str, dict: &str, data: usize) -> std::path::PathBuf {
        let mut h = dict.to_string();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(' ');
        }
        h.push('\n');
        let mut b = MAGIC.to_vec();
        b.extend([1u8, 0]);
        b.extend((h.len() as u16).to_le_bytes());
        b.extend(h.as_bytes());
        b.extend(vec![0u8; data]);
        let p = dir.join(name);
        std::fs::write(&p, b).unwrap();
        p
    }

    #[test]
    fn headers_are_parsed_and_checked_against_the_file_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        ndarray_npy::write_npy(&p, &array![[1i64, 2], [3, 4], [5, 6]]).unwrap();
        let h = header(&p).unwrap();
        assert_eq!(h.shape, vec![3, 2]);
        assert_eq!(h.numeric(), Some((Kind::Int, 8)));
        assert_eq!(h.dtype_name(), "int64 (`<i8`)");
        assert_eq!(
            read_f64(&p, &h).unwrap(),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
        // a huge shape in a small file is refused before any allocation
        let p = raw(
            dir.path(),
            "huge.npy",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
            16,
        );
        let e = header(&p).unwrap_err().to_string();
        assert!(
            e.contains("huge.npy") && e.contains("(4611686018427387904, 4)") && e.contains("16"),
            "{e}"
        );
        let p = raw(
            dir.path(),
            "bad.npy",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (200, 8, }",
            0,
        );
        let e = header(&p).unwrap_err().to_string();
        assert!(e.contains("malformed .npy header"), "{e}");
        let p = dir.path().join("g.npy");
        std::fs::write(&p, b"\x93NUMPY garbage").unwrap();
        let e = header(&p).unwrap_err().to_string();
        assert!(e.contains("version 32.103"), "{e}");
        std::fs::write(&p, b"").unwrap();
        let e = header(&p).unwrap_err().to_string();
        assert!(e.contains("not an .npy file"), "{e}");
    }

    #[test]
    fn uint64_labels_above_i64_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("y.npy");
        ndarray_npy::write_npy(&p, &array![1u64, u64::MAX]).unwrap();
        let h = header(&p).unwrap();
        let e = read_i64(&p, &h).unwrap_err().to_string();
        assert!(
            e.contains("row 1") && e.contains(&u64::MAX.to_string()),
            "{e}"
        );
    }

    /// Every integer type is read by both readers, with its sign and its width's extremes.
    #[test]
    fn every_integer_type_is_read_exactly() {
        let dir = tempfile::tempdir().unwrap();
        macro_rules! check {
            ($($t:ty),*) => {$(
                let p = dir.path().join(concat!(stringify!($t), ".npy"));
                let v: [$t; 3] = [<$t>::MIN, 0, (<$t>::MAX as u64).min(1 << 62) as $t];
                ndarray_npy::write_npy(&p, &ndarray::arr1(&v)).unwrap();
                let h = header(&p).unwrap();
                let want: Vec<i64> = v.iter().map(|&x| x as i64).collect();
                assert_eq!(read_i64(&p, &h).unwrap(), Some(want.clone()), "{}", h.dtype_name());
                let as_f: Vec<f64> = want.iter().map(|&x| x as f64).collect();
                assert_eq!(read_f64(&p, &h).unwrap(), as_f, "{}", h.dtype_name());
            )*};
        }
        check!(i8, i16, i32, i64, u8, u16, u32, u64);
        let p = dir.path().join("f.npy");
        ndarray_npy::write_npy(&p, &array![1.5f32, -2.0]).unwrap();
        let h = header(&p).unwrap();
        assert_eq!(read_i64(&p, &h).unwrap(), None);
        assert_eq!(read_f64(&p, &h).unwrap(), vec![1.5, -2.0]);
    }
}
