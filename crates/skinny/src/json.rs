//! JSON has no NaN or infinity; serde_json writes them as `null` and then cannot read them back.
//! Fields that may legitimately be non-finite (the error of a NaN-poisoned result, the spread of
//! zero-length samples) go through this: non-finite out as `null`, `null` in as NaN.

use serde::{Deserialize, Deserializer, Serializer};

/// Check a versioned skinny document's header before reading the rest: `what` names the kind
/// of file in the message ("result file", "dispatch table").
pub(crate) fn check_header(
    text: &str,
    what: &str,
    schema: &str,
    version: u32,
) -> Result<(), String> {
    #[derive(Deserialize)]
    struct Header {
        schema: String,
        schema_version: u32,
    }
    let header: Header =
        serde_json::from_str(text).map_err(|e| format!("not a skinny {what}: {e}"))?;
    if header.schema != schema || header.schema_version != version {
        return Err(format!(
            "schema {} version {}, this skinny reads {schema} version {version}",
            header.schema, header.schema_version
        ));
    }
    Ok(())
}

/// Now, as RFC 3339 in UTC to the second: the `created` field of skinny's documents.
pub(crate) fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else {
        s.serialize_none()
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct T {
        #[serde(with = "super")]
        v: f64,
    }

    #[test]
    fn non_finite_round_trips_as_null() {
        let json = serde_json::to_string(&T { v: f64::INFINITY }).unwrap();
        assert_eq!(json, r#"{"v":null}"#);
        let back: T = serde_json::from_str(&json).unwrap();
        assert!(back.v.is_nan());
        let back: T = serde_json::from_str(r#"{"v":2.5}"#).unwrap();
        assert_eq!(back.v, 2.5);
    }
}
