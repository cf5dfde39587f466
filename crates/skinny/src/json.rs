//! JSON has no NaN or infinity; serde_json writes them as `null` and then cannot read them back.
//! Fields that may legitimately be non-finite (the error of a NaN-poisoned result, the spread of
//! zero-length samples) go through this: non-finite out as `null`, `null` in as NaN.

use serde::{Deserialize, Deserializer, Serializer};

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
