//! The server's tagged enums read tag first, streamed, for the size of the browser client.
//!
//! serde's derived `Deserialize` for an internally tagged enum (`#[serde(tag = "type")]`)
//! cannot know where the tag is in the object, so it first buffers the whole object into
//! serde's private `Content` tree, finds the tag there, and then deserializes the variant
//! from that tree. Everything inside such an enum is therefore compiled twice: once to read
//! JSON, once to read `Content`. In the client's wasm module, which reads
//! [`ServerMessage`](crate::wire::ServerMessage) and through it [`Event`](crate::Event),
//! [`TimerState`](crate::TimerState) and the whole [`RoomState`](crate::RoomState), twiggy
//! found 159 KB of serde's `Content` code in 1,382 KB of functions; reading tag first
//! removed all of it and took the module the site serves from 1,044,134 B to 906,018 B,
//! 211,043 B to 195,467 B brotli, under the 200 KB target (`docs/benchmarks.md`, "First
//! load ... Size").
//!
//! The enums the server writes and the client reads are declared with `tag_first_enum!`
//! instead: the JSON is exactly the same (the enum keeps serde's derived `Serialize`, which
//! writes the tag before the fields), and reading it relies on that order, which
//! `docs/protocol.md` makes a rule of the protocol: in frames from the server, `type` (and
//! a timer's `state`) is the first field. Reading one:
//!
//! 1. the object's first key must be the tag (else the error says ``"`type` must be the
//!    first field"``; an empty object is ``"missing field `type`"``);
//! 2. the tag's value names the variant, read by serde's own variant-name code, so an
//!    unknown one fails as before (``"unknown variant `x`, expected one of ..."``);
//! 3. the rest of the object is the variant's fields, read straight from the input as serde
//!    reads any struct: unknown fields are ignored, missing ones reported, field attributes
//!    (`default`, `deserialize_with`) honoured.
//!
//! What differs from serde's derive, none of which a frame from our server can meet: the
//! tag must come first; a second tag key is ignored like any unknown field instead of
//! being refused as a duplicate; the array form serde also accepts (`["ack", 1, 2]`) is
//! refused. And a value read from a `serde_json::Value` rather than from text may fail:
//! without serde_json's `preserve_order` feature a `Value` keeps its keys sorted, so the tag
//! is no longer first. Read these types from the text.
//!
//! The events the server stores (SQLite, `server/src/storage`) were written by
//! `serde_json::to_string` from these same types, tag first, and so read back unchanged on
//! restart, whichever version wrote them.
//!
//! What clients send ([`ClientMessage`](crate::wire::ClientMessage),
//! [`Command`](crate::Command)) stays on serde's derive: the server reads it from any
//! client, whose keys may come in any order.
//!
//! How: `tag_first_enum!` declares the enum and, from the same variants, a private mirror
//! with serde's *remote* derive of an *externally* tagged enum. That derive asks its
//! deserializer for `deserialize_enum`; [`TagFirst`] answers it with a map whose first
//! entry is the tag, shown to the derive's code as an enum's variant name followed by the
//! variant's content.

use serde::Deserializer;
use serde::de::value::MapAccessDeserializer;
use serde::de::{
    DeserializeSeed, EnumAccess, Error as _, IgnoredAny, MapAccess, Unexpected, VariantAccess,
    Visitor,
};
use std::fmt;

/// Declares an enum tagged by a field, with serde's derived `Serialize` and a
/// `Deserialize` that reads the tag first and streams the rest (see the module's page).
///
/// Written like the enum itself, with the `#[serde(tag, rename_all)]` line first and
/// without `Deserialize` in the derive list:
///
/// ```ignore
/// tag_first_enum! {
///     #[serde(tag = "type", rename_all = "snake_case")]
///     /// The enum's documentation.
///     #[derive(Clone, Debug, Serialize)]
///     pub enum Example {
///         Unit,
///         Struct { a: u32, #[serde(default)] b: Option<u32> },
///     }
/// }
/// ```
///
/// The variants are written once and given to both the enum and its mirror, so they
/// cannot drift apart; field attributes apply to both (the mirror only deserializes, so
/// `skip_serializing_if` and the like are ignored there).
macro_rules! tag_first_enum {
    (
        #[serde(tag = $tag:literal, rename_all = $rename_all:literal)]
        $(#[$attr:meta])*
        $vis:vis enum $name:ident { $($variants:tt)* }
    ) => {
        // After the other attributes: `#[serde]` must follow the derive it belongs to.
        $(#[$attr])*
        #[serde(tag = $tag, rename_all = $rename_all)]
        $vis enum $name { $($variants)* }

        const _: () = {
            // serde's remote derive names the remote type in a string; the alias gives it
            // the same string in every use of this macro.
            type Remote = $name;

            // The same variants, externally tagged, for serde's remote derive, which
            // builds `Remote`'s variants directly. Never built itself.
            #[derive(::serde::Deserialize)]
            #[serde(remote = "Remote", rename_all = $rename_all)]
            #[allow(dead_code, clippy::large_enum_variant, clippy::enum_variant_names)]
            enum Mirror { $($variants)* }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::core::result::Result<Self, D::Error> {
                    Mirror::deserialize($crate::tag_first::TagFirst::new(deserializer, $tag))
                }
            }
        };
    };
}
pub(crate) use tag_first_enum;

/// A [`Deserializer`] that reads an enum from a map whose first entry is `tag`: the tag's
/// value is the variant's name, the other entries the variant's fields.
///
/// It answers `deserialize_enum` (what a derived externally tagged `Deserialize` asks
/// for) with the wrapped deserializer's `deserialize_map`; every other request goes to the
/// wrapped deserializer unchanged.
pub struct TagFirst<D> {
    inner: D,
    tag: &'static str,
}

impl<D> TagFirst<D> {
    pub fn new(inner: D, tag: &'static str) -> Self {
        TagFirst { inner, tag }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TagFirst<D> {
    type Error = D::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(TagFirstVisitor {
            tag: self.tag,
            visitor,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// Checks that the map's first key is the tag, then gives the rest to the enum's visitor.
struct TagFirstVisitor<V> {
    tag: &'static str,
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TagFirstVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "an object whose first field is `{}`", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        match map.next_key_seed(IsTag(self.tag))? {
            Some(true) => self.visitor.visit_enum(Variant { map }),
            Some(false) => Err(A::Error::custom(format_args!(
                "`{}` must be the first field",
                self.tag
            ))),
            None => Err(A::Error::missing_field(self.tag)),
        }
    }
}

/// Reads a key and says whether it is the tag's, without keeping it.
struct IsTag(&'static str);

impl<'de> DeserializeSeed<'de> for IsTag {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for IsTag {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// The map after the tag's key: as an [`EnumAccess`], the tag's value names the variant;
/// as a [`VariantAccess`], the entries left are the variant's content.
struct Variant<A> {
    map: A,
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Variant<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        mut self,
        seed: S,
    ) -> Result<(S::Value, Self), A::Error> {
        // The derive's own variant-name reader, straight from the input: no string kept.
        let variant = self.map.next_value_seed(seed)?;
        Ok((variant, self))
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    /// Any other field is ignored, as serde's derive ignores unknown fields.
    fn unit_variant(mut self) -> Result<(), A::Error> {
        while self.map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    /// The content's fields are the map's other entries (`{"type": "a", "x": 1}` for
    /// `A(Inner { x: 1 })`), as in serde's internally tagged form.
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        seed.deserialize(MapAccessDeserializer::new(self.map))
    }

    /// Internally tagged enums cannot have tuple variants (serde's `Serialize` derive
    /// refuses them), so this never happens.
    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, A::Error> {
        Err(A::Error::invalid_type(
            Unexpected::TupleVariant,
            &"a unit, newtype or struct variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.map)
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
    struct Inner {
        x: u32,
    }

    tag_first_enum! {
        #[serde(tag = "kind", rename_all = "snake_case")]
        /// Every shape of variant an internally tagged enum may have.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        enum Shape {
            Unit,
            Newtype(Inner),
            Struct {
                a: u32,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                b: Option<u32>,
            },
        }
    }

    fn read(json: &str) -> Result<Shape, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn every_shape_of_variant_round_trips_unchanged() {
        for (value, json) in [
            (Shape::Unit, r#"{"kind":"unit"}"#),
            (
                Shape::Newtype(Inner { x: 1 }),
                r#"{"kind":"newtype","x":1}"#,
            ),
            (
                Shape::Struct { a: 2, b: Some(3) },
                r#"{"kind":"struct","a":2,"b":3}"#,
            ),
            (
                Shape::Struct { a: 2, b: None },
                r#"{"kind":"struct","a":2}"#,
            ),
        ] {
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
            assert_eq!(read(json), Ok(value));
        }
    }

    #[test]
    fn unknown_fields_are_ignored_in_every_shape() {
        assert_eq!(
            read(r#"{"kind":"unit","y":[1,{"z":null}]}"#),
            Ok(Shape::Unit)
        );
        assert_eq!(
            read(r#"{"kind":"newtype","y":{},"x":1}"#),
            Ok(Shape::Newtype(Inner { x: 1 }))
        );
        assert_eq!(
            read(r#"{"kind":"struct","y":"","a":2}"#),
            Ok(Shape::Struct { a: 2, b: None })
        );
    }

    #[test]
    fn the_tag_must_come_first_and_name_a_variant() {
        let error = read(r#"{"a":2,"kind":"struct"}"#).unwrap_err();
        assert!(
            error.starts_with("`kind` must be the first field"),
            "{error}"
        );
        let error = read("{}").unwrap_err();
        assert!(error.starts_with("missing field `kind`"), "{error}");
        let error = read(r#"{"kind":"round"}"#).unwrap_err();
        assert!(
            error.starts_with("unknown variant `round`, expected one of `unit`, `newtype`"),
            "{error}"
        );
        let error = read(r#"{"kind":1}"#).unwrap_err();
        assert!(error.starts_with("invalid type: integer `1`"), "{error}");
        let error = read(r#""unit""#).unwrap_err();
        assert!(
            error.contains("expected an object whose first field is `kind`"),
            "{error}"
        );
    }

    #[test]
    fn a_variant_s_fields_are_checked_as_serde_checks_a_struct() {
        let error = read(r#"{"kind":"struct","b":3}"#).unwrap_err();
        assert!(error.starts_with("missing field `a`"), "{error}");
        let error = read(r#"{"kind":"struct","a":"two"}"#).unwrap_err();
        assert!(error.starts_with("invalid type: string"), "{error}");
        let error = read(r#"{"kind":"unit"} x"#).unwrap_err();
        assert!(error.starts_with("trailing characters"), "{error}");
    }
}
