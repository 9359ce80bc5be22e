//! `js_struct!`: one declaration per option or result type of the JS API (the struct, its
//! reader or writer, its TypeScript interface), and the compile-time string joining that builds
//! the interface text. The traits and readers it expands to are in `interop.rs`.

/// Declares an option type (`#[js(read)]`) or a result type (`#[js(write)]`) once:
///
/// ```ignore
/// js_struct! {
///     /// Options of `frequentlyBoughtTogether()`.
///     #[js(read)]
///     pub struct FbtOptions {
///         /// How many (1..1000, default 4).
///         pub k: Option<usize>,
///     }
/// }
/// ```
///
/// emits the struct, `FromJs` (or `ToJs`) reading (writing) exactly these fields, and
/// `export interface FbtOptions { /** How many ... */ k?: number; }` into the `.d.ts`. The JS
/// key is the field name, or `#[js = "camelCase"]` after the field's doc lines; `Option<T>`
/// fields are `key?:`; the TypeScript type is the field type's `Ts::TS`.
/// `pub struct A extends B as b { .. }` (options only) reads `B`'s fields from the same object
/// into `a.b` and declares `interface A extends B`.
macro_rules! js_struct {
    (@key $f:ident) => { stringify!($f) };
    (@key $f:ident $js:literal) => { $js };
    (
        $(#[doc = $doc:literal])*
        #[js($mode:ident)]
        pub struct $name:ident $(extends $base:ident as $base_f:ident)? {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[js = $js:literal])?
                pub $f:ident: $t:ty,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name {
            $(
                #[doc = concat!("The fields of [`", stringify!($base), "`].")]
                pub $base_f: $base,
            )?
            $($(#[doc = $fdoc])* pub $f: $t,)*
        }

        impl $crate::wasm::interop::Ts for $name {
            const TS: &'static str = stringify!($name);
        }

        impl $crate::wasm::interop::Ts for Vec<$name> {
            const TS: &'static str = concat!(stringify!($name), "[]");
        }

        impl $name {
            /// The TypeScript interface (in `pkg/cartsense.d.ts`).
            // Used by the custom section below, which rustc's dead-code lint does not see.
            #[allow(dead_code)]
            pub const DECLARATION: &'static str = {
                use $crate::wasm::interop::Ts;
                use $crate::wasm::js_struct::{if_any, join, joined_len};
                const PARTS: &[&str] = &[
                    if_any(&[$($doc),*], "/**"), $("\n *", $doc,)* if_any(&[$($doc),*], "\n */\n"),
                    "export interface ", stringify!($name), $(" extends ", stringify!($base),)? " {\n",
                    $(
                        if_any(&[$($fdoc),*], "  /**"), $("\n   *", $fdoc,)*
                        if_any(&[$($fdoc),*], "\n   */\n"),
                        "  ", $crate::wasm::js_struct::js_struct!(@key $f $($js)?),
                        if <$t as Ts>::OPTIONAL { "?: " } else { ": " }, <$t as Ts>::TS, ";\n",
                    )*
                    "}\n",
                ];
                const BYTES: [u8; joined_len(PARTS)] = join(PARTS);
                match ::core::str::from_utf8(&BYTES) {
                    Ok(s) => s,
                    Err(_) => panic!("a TypeScript declaration is not UTF-8"),
                }
            };
        }

        const _: () = {
            #[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
            const TS: &'static str = $name::DECLARATION;
        };

        $crate::wasm::js_struct::js_struct!(
            @$mode $name [$($base_f $base)?]
            $(($f, $crate::wasm::js_struct::js_struct!(@key $f $($js)?)))*
        );
    };
    (@read $name:ident [$($base_f:ident $base:ident)?] $(($f:ident, $key:expr))*) => {
        impl $name {
            /// Read the fields from the object `o` (`None`: the object was left out).
            pub(crate) fn read_fields(
                o: Option<&wasm_bindgen::JsValue>,
                at: $crate::wasm::interop::Path,
            ) -> $crate::wasm::error::JsResult<Self> {
                Ok($name {
                    $($base_f: $base::read_fields(o, at)?,)?
                    $($f: $crate::wasm::interop::field(o, $key, at)?,)*
                })
            }
        }

        impl $crate::wasm::interop::FromJs for $name {
            fn from_js(
                v: &wasm_bindgen::JsValue,
                at: $crate::wasm::interop::Path,
            ) -> $crate::wasm::error::JsResult<Self> {
                Self::read_fields(Some($crate::wasm::interop::object(v, at)?), at)
            }
            fn absent(at: $crate::wasm::interop::Path) -> $crate::wasm::error::JsResult<Self> {
                Self::read_fields(None, at)
            }
        }
    };
    (@write $name:ident [] $(($f:ident, $key:expr))*) => {
        impl $crate::wasm::interop::ToJs for $name {
            fn to_js(&self) -> wasm_bindgen::JsValue {
                let o = js_sys::Object::new();
                $($crate::wasm::interop::set(&o, $key, &self.$f);)*
                o.into()
            }
        }
    };
}
pub(crate) use js_struct;

/// `s` when `lines` has any (a JSDoc opener or closer for doc lines that may be absent).
#[doc(hidden)]
pub const fn if_any(lines: &[&str], s: &'static str) -> &'static str {
    if lines.is_empty() {
        ""
    } else {
        s
    }
}

/// Length of `parts` joined.
#[doc(hidden)]
pub const fn joined_len(parts: &[&str]) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

/// `parts` joined, at compile time (`N` = [`joined_len`]).
#[doc(hidden)]
pub const fn join<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut k, mut i) = (0, 0);
    while i < parts.len() {
        let b = parts[i].as_bytes();
        let mut j = 0;
        while j < b.len() {
            out[k] = b[j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}
