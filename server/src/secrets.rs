//! Unguessable codes and keys, and comparing them without leaking timing.
//!
//! All come from the operating system's cryptographic generator (`rand::rngs::OsRng`
//! through `rand`'s thread-local CSPRNG, reseeded from it):
//! - room codes: 20 characters from a 32-letter alphabet, 100 bits;
//! - facilitator keys and resume tokens: 43 characters from a 64-letter alphabet, 258 bits.
//!
//! The server keeps only [`Digest`]s of keys and tokens, in memory and on disk: whoever
//! reads the database cannot take a seat. Being long random strings, they need no salt
//! or slow hash: SHA-256 of a 258-bit secret cannot be reversed by guessing.

use rand::Rng;
use sha2::{Digest as _, Sha256};
use shared::RoomCode;
use subtle::ConstantTimeEq;

/// Lower-case letters and digits without the look-alikes 0, 1, l and o.
const CODE_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const TOKEN_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// The code in an invite link.
pub fn room_code() -> String {
    random_string(CODE_ALPHABET, 20)
}

/// The facilitator's secret key, and each participant's resume token.
pub fn secret_key() -> String {
    random_string(TOKEN_ALPHABET, 43)
}

/// A participant's public id: short, random, meaningless.
pub fn participant_id() -> String {
    format!("p{}", random_string(CODE_ALPHABET, 10))
}

/// The SHA-256 digest of a secret key or token: what the server stores instead of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn of(secret: &str) -> Self {
        Digest(Sha256::digest(secret.as_bytes()).into())
    }

    /// Whether `presented` is the secret this digest was made from, compared in time
    /// that does not depend on where the digests differ.
    pub fn matches(&self, presented: &str) -> bool {
        Digest::of(presented).0.ct_eq(&self.0).into()
    }

    /// Whether two digests are equal, in constant time.
    pub fn same_as(&self, other: &Digest) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Digest)
    }
}

/// Never print a digest, not even in debug logs.
impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Digest(..)")
    }
}

/// The facilitator's resume token, derived from the facilitator key: the key opens the
/// facilitator's seat from any device, and each device gets the same token without the
/// server keeping the token (or the key) itself. The token does not reveal the key.
pub fn facilitator_token(key: &str) -> String {
    derived_token(&[b"codev facilitator resume token\0", key.as_bytes()])
}

/// A group member's resume token in the room of one of the group's sessions, derived
/// from their member token and the room's code: their member token opens the same seat
/// from any device, the server keeps neither, and the seat token opens no other room.
pub fn member_seat_token(room: &RoomCode, member_token: &str) -> String {
    derived_token(&[
        b"codev member seat token\0",
        room.as_str().as_bytes(),
        b"\0",
        member_token.as_bytes(),
    ])
}

/// A token of the same form as a secret key, derived from `parts` by SHA-256.
fn derived_token(parts: &[&[u8]]) -> String {
    const BASE64URL: &[u8; 64] = TOKEN_ALPHABET;
    let digest = parts
        .iter()
        .fold(Sha256::new(), |hash, part| hash.chain_update(part))
        .finalize();
    // 32 bytes -> 43 characters of 6 bits (the last one carries 4).
    let mut out = String::with_capacity(43);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for byte in digest {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(BASE64URL[((acc >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE64URL[((acc << (6 - bits)) & 63) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_keys_have_their_length_and_alphabet_and_do_not_repeat() {
        let codes: HashSet<String> = (0..1000).map(|_| room_code()).collect();
        assert_eq!(codes.len(), 1000);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 20 && c.bytes().all(|b| CODE_ALPHABET.contains(&b)))
        );
        let key = secret_key();
        assert_eq!(key.len(), 43);
        assert!(key.bytes().all(|b| TOKEN_ALPHABET.contains(&b)));
    }

    #[test]
    fn digests_match_only_their_secret_and_hide_it() {
        let key = secret_key();
        let digest = Digest::of(&key);
        assert!(digest.matches(&key));
        assert!(!digest.matches(&secret_key()));
        assert!(!digest.matches(""));
        assert_eq!(format!("{digest:?}"), "Digest(..)");
        assert_eq!(Digest::from_slice(&digest.0), Some(digest));
        assert_eq!(Digest::from_slice(&[0; 31]), None);
    }

    #[test]
    fn the_facilitator_token_is_fixed_by_the_key_and_looks_like_any_token() {
        let key = secret_key();
        let token = facilitator_token(&key);
        assert_eq!(token, facilitator_token(&key));
        assert_ne!(token, facilitator_token(&secret_key()));
        assert_ne!(token, key);
        assert_eq!(token.len(), 43);
        assert!(token.bytes().all(|b| TOKEN_ALPHABET.contains(&b)));
    }
}
