//! How a proxy in front of several server nodes sends every connection of one session
//! to the same node, without ever seeing the session's code (`docs/cluster.md`).
//!
//! A page opens its WebSocket at `/ws?route=<key>`, where the key is a hash of the code
//! it routes by: its group's code for a session of a group (so that a group and its
//! sessions live on one node), its own code otherwise. HAProxy hashes the key onto its
//! nodes. The code is a secret that must stay out of the proxy's logs: what the proxy
//! sees is 64 bits of a hash, which gives the code away no more than a guess would.
//! After a `bye` `moved` naming a node, the next connection adds `&node=<name>` once,
//! which the proxy obeys while that node is up.

/// The routing key for a room or group with this code: FNV-1a, 64 bits, in hex.
pub fn route_key(code: &str) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = code.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    format!("{hash:016x}")
}

/// The WebSocket path for a page routed by `code`, asking once for the node `node`.
pub fn websocket_path(code: &str, node: Option<&str>) -> String {
    let route = route_key(code);
    match node {
        // Node names are the operator's (letters, digits, `-`, `_`, `.`): nothing in
        // them needs escaping; anything else is left out rather than sent mangled.
        Some(node)
            if node
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) =>
        {
            format!("/ws?route={route}&node={node}")
        }
        _ => format!("/ws?route={route}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_a_stable_hash_that_does_not_show_the_code() {
        // FNV-1a's published value for the empty input, and the same key every time.
        assert_eq!(route_key(""), "cbf29ce484222325");
        let key = route_key("k37ujrm9r6yhg742prae");
        assert_eq!(key, route_key("k37ujrm9r6yhg742prae"));
        assert_eq!(key.len(), 16);
        assert!(!key.contains("k37u"));
        assert_ne!(key, route_key("k37ujrm9r6yhg742praf"));
    }

    #[test]
    fn the_path_names_a_node_only_when_its_name_is_plain() {
        let route = route_key("abc");
        assert_eq!(websocket_path("abc", None), format!("/ws?route={route}"));
        assert_eq!(
            websocket_path("abc", Some("node-2")),
            format!("/ws?route={route}&node=node-2")
        );
        assert_eq!(
            websocket_path("abc", Some("a&b=c")),
            format!("/ws?route={route}")
        );
    }
}
