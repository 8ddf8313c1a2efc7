//! Typed arrays in and out: the one place that reads a JavaScript typed
//! array's memory, and the one that hands results back.

use napi::bindgen_prelude::*;
use napi::sys;
use ndreduce_core::reductions::{Data, Dest, Output};
use ndreduce_core::Error;

/// A typed array's element kind and memory, as Node reports them.
#[derive(Clone, Copy)]
pub(crate) struct RawArray {
    kind: i32,
    ptr: *const u8,
    len: usize,
    /// The `ArrayBuffer` or `SharedArrayBuffer` behind the view.
    pub buffer: sys::napi_value,
}

fn describe(env: sys::napi_env, value: sys::napi_value) -> String {
    let mut t = 0;
    // SAFETY: `env` and `value` come from the current call's arguments.
    unsafe { sys::napi_typeof(env, value, &mut t) };
    match t {
        sys::ValueType::napi_undefined => "undefined".into(),
        sys::ValueType::napi_null => "null".into(),
        sys::ValueType::napi_number => "a number".into(),
        sys::ValueType::napi_string => "a string".into(),
        sys::ValueType::napi_object => "an object that is not a numeric typed array".into(),
        _ => "a value that is not a numeric typed array".into(),
    }
}

/// Reads what Node knows of `value` (never a property a caller can
/// override), or a `TypeError` when it is not a numeric typed array.
pub(crate) fn raw_array(
    env: &Env,
    value: &Unknown,
    field: &'static str,
) -> std::result::Result<RawArray, Error> {
    let (env, value) = (env.raw(), value.raw());
    let bad = || Error::BadArray {
        field,
        value: describe(env, value),
    };
    let (mut kind, mut len, mut data, mut buffer, mut byte_offset) = (
        0,
        0usize,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        0usize,
    );
    // SAFETY: `env` and `value` come from the current call's arguments and
    // the out-pointers are valid. Node checks `value` is a typed array
    // (anything else is `napi_invalid_arg`, and nothing is written).
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env,
            value,
            &mut kind,
            &mut len,
            &mut data,
            &mut buffer,
            &mut byte_offset,
        )
    };
    if status != sys::Status::napi_ok || !(0..=10).contains(&kind) {
        return Err(bad());
    }
    Ok(RawArray {
        kind,
        ptr: data as *const u8,
        len,
        buffer,
    })
}

/// Whether the array's buffer is a `SharedArrayBuffer`, asked of V8 itself:
/// `napi_is_arraybuffer` is true only for ordinary (detachable) buffers.
fn is_shared(env: &Env, raw: &RawArray) -> bool {
    let mut ordinary = true;
    // SAFETY: `raw.buffer` was returned by `napi_get_typedarray_info` in this call.
    let status = unsafe { sys::napi_is_arraybuffer(env.raw(), raw.buffer, &mut ordinary) };
    status == sys::Status::napi_ok && !ordinary && !raw.buffer.is_null()
}

/// Memory a task reads after the call that passed it has returned: only
/// ever an array over a SharedArrayBuffer (`Held::new` checks).
pub(crate) struct Held(RawArray);

// `Held::new` accepts only arrays over a SharedArrayBuffer, which the task
// keeps alive by the reference it holds until `finally`.
// SAFETY: such memory can be neither detached nor moved, and reading it
// from another thread is what a SharedArrayBuffer is for.
unsafe impl Send for Held {}

impl Held {
    /// `raw`, if its buffer is a SharedArrayBuffer: an ordinary buffer
    /// could be transferred and freed while a thread reads it.
    pub(crate) fn new(env: &Env, raw: RawArray) -> std::result::Result<Self, Error> {
        if !is_shared(env, &raw) {
            return Err(Error::NotShared);
        }
        Ok(Held(raw))
    }

    /// # Safety
    /// The memory must stay valid and unmoved while the result is used.
    pub(crate) unsafe fn data(&self) -> std::result::Result<Data<'_>, Error> {
        // SAFETY: forwarded to the caller.
        unsafe { data(&self.0) }
    }

    /// The memory as a task's output.
    ///
    /// # Safety
    /// As [`Held::data`], and no other reference to this memory (the
    /// task's input included: see [`Held::overlaps`]) may be alive while
    /// the result lives. JavaScript on other threads may still touch a
    /// SharedArrayBuffer: the documented rule is that such a call's result
    /// is then unspecified, never that memory outside the buffer is.
    pub(crate) unsafe fn dest(&self) -> std::result::Result<Dest<'_>, Error> {
        // SAFETY: forwarded to the caller.
        unsafe { dest(&self.0) }
    }

    /// Whether the two arrays share any byte of memory.
    pub(crate) fn overlaps(&self, other: &Held) -> bool {
        self.0.overlaps(&other.0)
    }
}

fn element_size(kind: i32) -> usize {
    match kind {
        sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
        sys::TypedarrayType::int32_array
        | sys::TypedarrayType::uint32_array
        | sys::TypedarrayType::float32_array => 4,
        sys::TypedarrayType::float64_array | 9 | 10 => 8,
        _ => 1,
    }
}

/// Views `len` elements of `T` at `ptr`; empty arrays may have no pointer.
///
/// # Safety
/// `ptr` must point to `len` initialised `T`s valid for `'a`.
unsafe fn elements<'a, T>(ptr: *const u8, len: usize) -> std::result::Result<&'a [T], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
        return Err(Error::BadArray {
            field: "data",
            value: "a misaligned or detached view".into(),
        });
    }
    // SAFETY: non-null and aligned (checked above); length and validity
    // from the caller.
    Ok(unsafe { std::slice::from_raw_parts(ptr as *const T, len) })
}

/// Views `len` elements of `T` at `ptr` for writing.
///
/// # Safety
/// `ptr` must point to `len` initialised `T`s valid for `'a` that nothing
/// else reads or writes meanwhile.
unsafe fn elements_mut<'a, T>(ptr: *mut u8, len: usize) -> std::result::Result<&'a mut [T], Error> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() || !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
        return Err(Error::BadArray {
            field: "out",
            value: "a misaligned or detached view".into(),
        });
    }
    // SAFETY: non-null and aligned (checked above); length, validity and
    // exclusive use from the caller.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr as *mut T, len) })
}

impl RawArray {
    /// Whether the array holds bytes (a Uint8Array or Uint8ClampedArray).
    pub(crate) fn is_bytes(&self) -> bool {
        matches!(
            self.kind,
            sys::TypedarrayType::uint8_array | sys::TypedarrayType::uint8_clamped_array
        )
    }

    fn bytes(&self) -> std::ops::Range<usize> {
        let start = self.ptr as usize;
        start..start + self.len * element_size(self.kind)
    }

    /// Whether the two arrays share any byte of memory.
    pub(crate) fn overlaps(&self, other: &RawArray) -> bool {
        let (a, b) = (self.bytes(), other.bytes());
        !a.is_empty() && !b.is_empty() && a.start < b.end && b.start < a.end
    }
}

/// The variant of `$enum` for a typed array `kind`, its elements viewed by
/// `$view(ptr, len)`: the one map from Node's kinds to element types.
macro_rules! by_kind {
    ($kind:expr, $enum:ident, $view:ident, $p:expr, $n:expr, $field:literal) => {
        match $kind {
            sys::TypedarrayType::int8_array => $enum::I8($view($p, $n)?),
            sys::TypedarrayType::uint8_array | sys::TypedarrayType::uint8_clamped_array => {
                $enum::U8($view($p, $n)?)
            }
            sys::TypedarrayType::int16_array => $enum::I16($view($p, $n)?),
            sys::TypedarrayType::uint16_array => $enum::U16($view($p, $n)?),
            sys::TypedarrayType::int32_array => $enum::I32($view($p, $n)?),
            sys::TypedarrayType::uint32_array => $enum::U32($view($p, $n)?),
            sys::TypedarrayType::float32_array => $enum::F32($view($p, $n)?),
            sys::TypedarrayType::float64_array => $enum::F64($view($p, $n)?),
            9 => $enum::I64($view($p, $n)?),
            10 => $enum::U64($view($p, $n)?),
            _ => {
                return Err(Error::BadArray {
                    field: $field,
                    value: "an unsupported typed array".into(),
                })
            }
        }
    };
}

/// A typed array's elements as the destination of a result.
///
/// # Safety
/// As [`data`], and no other reference to this memory (the input
/// included) may be alive while the result lives.
pub(crate) unsafe fn dest<'a>(raw: &RawArray) -> std::result::Result<Dest<'a>, Error> {
    // SAFETY: in every arm, Node reports `raw.len` elements of this kind at
    // `raw.ptr`; validity and exclusive use are the caller's contract.
    Ok(unsafe {
        by_kind!(
            raw.kind,
            Dest,
            elements_mut,
            raw.ptr as *mut u8,
            raw.len,
            "out"
        )
    })
}

/// The elements of a typed array, borrowed.
///
/// # Safety
/// `raw` must describe memory that stays valid and unmoved for `'a`: true
/// during the synchronous call it came from (no JavaScript runs then, so
/// nothing can detach or shrink the buffer), or for a held shared buffer.
pub(crate) unsafe fn data<'a>(raw: &RawArray) -> std::result::Result<Data<'a>, Error> {
    // SAFETY: in every arm, Node reports `raw.len` elements of this kind at
    // `raw.ptr`; validity for `'a` is the caller's contract.
    Ok(unsafe { by_kind!(raw.kind, Data, elements, raw.ptr, raw.len, "data") })
}

/// A result on its way to JavaScript as a typed array.
pub struct Js(pub Output);

impl TypeName for Js {
    fn type_name() -> &'static str {
        "TypedArray"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

/// Results of this many bytes or more are handed to JavaScript without a
/// copy, as external buffers; smaller ones are copied (see [`owned`]).
/// Copying a grouped mean's 96 MB result doubled that call (60 -> 110 ms,
/// and up to 400 ms when the kernel had to compact memory for the fresh
/// pages), where an 8 MB mean paid 0-4 ms of its 40.
const HAND_OVER_FROM: usize = 64 << 20;

/// A typed array of `kind` holding a copy of `v`, in memory that V8
/// allocates and frees at a collection. An external (zero-copy) buffer
/// is freed only by a finalizer that Node runs after the event loop
/// turns, so a synchronous loop of calls held every result: 200 calls of
/// an 8 MB mean grew the process by 1.6 GB.
///
/// # Safety
/// `env` is the live environment of the current call.
unsafe fn owned<T: Copy>(
    env: sys::napi_env,
    v: &[T],
    kind: sys::napi_typedarray_type,
) -> Result<sys::napi_value> {
    let bytes = std::mem::size_of_val(v);
    let (mut data, mut buffer) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: `env` is live (the caller's contract); napi writes both out-pointers.
    check_status!(unsafe { sys::napi_create_arraybuffer(env, bytes, &mut data, &mut buffer) })?;
    if bytes > 0 {
        // SAFETY: napi just allocated `bytes` writable bytes at `data`,
        // which nothing else references yet; `v` is a separate allocation.
        let to = unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), bytes) };
        ndreduce_core::advise_output(to);
        // SAFETY: `v` is `bytes` readable bytes of plain numbers.
        to.copy_from_slice(unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), bytes) });
    }
    let mut array = std::ptr::null_mut();
    // SAFETY: `buffer` is the ArrayBuffer just made, `v.len()` elements of `kind` long.
    check_status!(unsafe {
        sys::napi_create_typedarray(env, kind, v.len(), buffer, 0, &mut array)
    })?;
    Ok(array)
}

impl ToNapiValue for Js {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        use sys::TypedarrayType as K;
        macro_rules! hand {
            ($v:expr, $array:ident, $kind:expr) => {{
                let v = $v;
                // SAFETY: `env` is the live environment napi-rs called us with.
                unsafe {
                    if std::mem::size_of_val(&v[..]) < HAND_OVER_FROM {
                        owned(env, &v, $kind)
                    } else {
                        $array::to_napi_value(env, $array::new(v))
                    }
                }
            }};
        }
        match val.0 {
            Output::I8(v) => hand!(v, Int8Array, K::int8_array),
            Output::U8(v) => hand!(v, Uint8Array, K::uint8_array),
            Output::I16(v) => hand!(v, Int16Array, K::int16_array),
            Output::U16(v) => hand!(v, Uint16Array, K::uint16_array),
            Output::I32(v) => hand!(v, Int32Array, K::int32_array),
            Output::U32(v) => hand!(v, Uint32Array, K::uint32_array),
            Output::I64(v) => hand!(v, BigInt64Array, K::bigint64_array),
            Output::U64(v) => hand!(v, BigUint64Array, K::biguint64_array),
            Output::F32(v) => hand!(v, Float32Array, K::float32_array),
            Output::F64(v) => hand!(v, Float64Array, K::float64_array),
        }
    }
}

/// A short string argument (an op or schedule name), read into a stack
/// buffer: one napi call and no allocation, which is a tenth of the cost
/// of a call on a 10 x 10 array. Anything else reads as a name no parser
/// accepts, so the caller's error names the field.
pub struct Name {
    buf: [u8; 32],
    len: usize,
    ok: bool,
}

impl TypeName for Name {
    fn type_name() -> &'static str {
        "string"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl FromNapiValue for Name {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut name = Name {
            buf: [0; 32],
            len: 0,
            ok: false,
        };
        // SAFETY: `env` and `value` come from napi-rs for this call; the
        // buffer is 32 bytes, the size passed, and napi writes at most that.
        let status = unsafe {
            sys::napi_get_value_string_utf8(
                env,
                value,
                name.buf.as_mut_ptr().cast(),
                name.buf.len(),
                &mut name.len,
            )
        };
        name.ok = status == sys::Status::napi_ok;
        Ok(name)
    }
}

impl Name {
    pub fn as_str(&self) -> &str {
        if !self.ok {
            return "(not a string)";
        }
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("(not UTF-8)")
    }
}
