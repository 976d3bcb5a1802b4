//! Unguessable codes and keys, and comparing them without leaking timing.
//!
//! All come from the operating system's cryptographic generator (`rand::rngs::OsRng`
//! through `rand`'s thread-local CSPRNG, reseeded from it):
//! - room codes: 20 characters from a 32-letter alphabet, 100 bits;
//! - facilitator keys and resume tokens: 43 characters from a 64-letter alphabet, 258 bits.

use rand::Rng;
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

/// Compare a presented secret with the real one in time that does not depend on where
/// they differ.
pub fn secrets_match(presented: &str, real: &str) -> bool {
    presented.as_bytes().ct_eq(real.as_bytes()).into()
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
    fn secrets_match_only_when_equal() {
        assert!(secrets_match("abc", "abc"));
        assert!(!secrets_match("abd", "abc"));
        assert!(!secrets_match("ab", "abc"));
        assert!(!secrets_match("", "abc"));
    }
}
