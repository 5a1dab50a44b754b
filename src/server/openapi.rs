//! `GET /openapi.json`: an OpenAPI 3.1 document for the API, built by hand with `serde_json`
//! (utoipa would need derives on the shared report types owned by other modules).
//!
//! Drift between this document and the real types is caught by [`validate`], a small JSON
//! Schema checker used by the integration tests on real responses: every field a response
//! carries must be declared here with the right type, and every required one must be present.

use super::error::ErrorCode;
use serde_json::{json, Map, Value};

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schemas, keyed by name. Over 100 lines because it is one JSON literal, one entry per
/// response/request type; splitting it would scatter the document without adding logic.
pub fn schemas() -> Value {
    use crate::verify::{AnswerEvidence, Overall};
    let overall: Vec<&str> = Overall::ALL.iter().map(|o| o.as_str()).collect();
    let mut evidence: Vec<Value> = AnswerEvidence::ALL
        .iter()
        .map(|e| json!(e.as_str()))
        .collect();
    evidence.push(Value::Null);
    json!({
        "Error": {
            "type": "object", "additionalProperties": false, "required": ["error"],
            "properties": { "error": {
                "type": "object", "additionalProperties": false, "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "enum": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>() },
                    "message": { "type": "string" }
                }
            }}
        },
        "VerifyRequest": {
            "type": "object", "additionalProperties": false,
            "description": "Give exactly one of `steps` and `solution`.",
            "properties": {
                "problem": nullable("string"),
                "steps": { "type": ["array", "null"], "items": { "type": "string" } },
                "solution": nullable("string"),
                "answer": nullable("string"),
                "reference": nullable("string")
            }
        },
        "Evidence": {
            "type": "object", "additionalProperties": false, "required": ["summary"],
            "properties": {
                "summary": { "type": "string" },
                "computed": { "type": "array", "items": { "type": "string" } },
                "counterexample": { "type": ["object", "null"], "additionalProperties": { "type": "string" } },
                "solver_status": nullable("string")
            }
        },
        "Check": {
            "type": "object", "additionalProperties": false,
            "required": ["checker", "item", "verdict", "evidence", "time_ms"],
            "properties": {
                "checker": { "type": "string", "enum": crate::verify::Checker::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>() },
                "item": { "type": "string" },
                "verdict": { "type": "string", "enum": ["verified", "refuted", "unknown", "timeout", "checked_bounded"] },
                "evidence": r("Evidence"),
                "time_ms": { "type": "number" }
            }
        },
        "StepReport": {
            "type": "object", "additionalProperties": false,
            "required": ["index", "text", "verdict", "checks"],
            "properties": {
                "index": { "type": "integer" },
                "text": { "type": "string" },
                "verdict": { "type": "string", "enum": ["verified", "refuted", "unknown", "unchecked"] },
                "checks": { "type": "array", "items": r("Check") }
            }
        },
        "AnswerReport": {
            "type": "object", "additionalProperties": false,
            "required": ["checks"],
            "properties": {
                "extracted": nullable("string"),
                "reference": nullable("string"),
                "equivalent": {
                    "type": ["boolean", "null"],
                    "description": "The answer matches the reference (`equal` or `probably_equal`); null without a reference."
                },
                "equivalence": {
                    "type": "string", "enum": ["equal", "probably_equal", "different", "unknown"],
                    "description": "How firmly the answer compares with the reference (absent without one). Only `equal` establishes the answer; `probably_equal` (a rounded decimal matching in the digits shown, expressions agreeing at sample points) neither establishes nor refutes it."
                },
                "checks": {
                    "type": "array", "items": r("Check"),
                    "description": "The answer substituted back into the problem's stated conditions (checker `substitution`)."
                }
            }
        },
        "Overall": {
            "type": "string", "enum": overall,
            "description": "`verified`: the final answer is established (see `answer_evidence`); `no_errors_found`: checks held but the answer is not established; `flagged`: a step or the answer was refuted; `unverified`: nothing checkable."
        },
        "AnswerEvidence": {
            "type": ["string", "null"], "enum": evidence,
            "description": "What established the final answer; non-null exactly when the verdict is `verified`."
        },
        "Coverage": {
            "type": "object", "additionalProperties": false,
            "required": ["steps_total", "steps_checked", "by_checker"],
            "properties": {
                "steps_total": { "type": "integer" },
                "steps_checked": { "type": "integer" },
                "by_checker": { "type": "object", "additionalProperties": { "type": "integer" } }
            }
        },
        "VerifyReport": {
            "type": "object", "additionalProperties": false,
            "required": ["verdict", "answer_evidence", "first_error", "steps", "answer", "coverage"],
            "description": "Same schema as `vibecheck verify --json`.",
            "properties": {
                "verdict": r("Overall"),
                "answer_evidence": r("AnswerEvidence"),
                "first_error": nullable("integer"),
                "steps": { "type": "array", "items": r("StepReport") },
                "answer": r("AnswerReport"),
                "coverage": r("Coverage")
            }
        },
        "JudgeTest": {
            "type": "object", "additionalProperties": false, "required": ["input"],
            "properties": { "name": nullable("string"), "input": { "type": "string" }, "answer": nullable("string") }
        },
        "JudgeRequest": {
            "type": "object", "additionalProperties": false, "required": ["source", "language", "tests"],
            "properties": {
                "source": { "type": "string" },
                "language": { "type": "string", "enum": ["c", "cpp", "c++", "cxx", "python", "py", "python3"] },
                "tests": { "type": "array", "items": r("JudgeTest") },
                "checker": {
                    "description": "\"tokens\" (default), \"lines\", \"exact\", \"yesno\", {\"float\": eps} or {\"custom\": \"<testlib C++ source>\"}",
                    "oneOf": [
                        { "type": "string", "enum": ["tokens", "lines", "exact", "yesno"] },
                        { "type": "object", "required": ["float"], "properties": { "float": { "type": "number" } } },
                        { "type": "object", "required": ["custom"], "properties": { "custom": { "type": "string" } } },
                        { "type": "null" }
                    ]
                },
                "interactor": {
                    "description": "Judges an interactive problem: the interactor talks to the solution through its stdin/stdout and gives each test's verdict. Excludes `checker`.",
                    "oneOf": [ r("Interactor"), { "type": "null" } ]
                },
                "limits": {
                    "type": ["object", "null"], "additionalProperties": false,
                    "properties": {
                        "time_ms": nullable("integer"), "memory_mb": nullable("integer"), "output_bytes": nullable("integer")
                    }
                }
            }
        },
        "Interactor": {
            "type": "object", "additionalProperties": false, "required": ["source"],
            "description": "Run as testlib's registerInteraction expects: `interactor input.txt output.txt [answer.txt]`, its exit code is the verdict, with testlib's codes (0 AC, 1 WA, 2 PE, 3 FAIL → IE).",
            "properties": {
                "source": { "type": "string" },
                "language": { "type": ["string", "null"], "enum": ["c", "cpp", "c++", "cxx", "python", "py", "python3", null], "description": "default cpp" },
                "headers": {
                    "type": "object", "additionalProperties": { "type": "string" },
                    "description": "Headers the source includes, by plain file name (e.g. testlib.h); none are bundled"
                }
            }
        },
        "TestResult": {
            "type": "object", "additionalProperties": false,
            "required": ["name", "verdict", "time_ms", "memory_kib", "message"],
            "properties": {
                "name": { "type": "string" },
                "verdict": r("JudgeVerdict"),
                "time_ms": { "type": "integer" },
                "memory_kib": { "type": "integer" },
                "message": { "type": "string" },
                "stdout": { "type": "string", "description": "truncated" },
                "stderr": { "type": "string", "description": "truncated" },
                "input": { "type": "string", "description": "failing tests only, truncated" },
                "answer": { "type": "string", "description": "failing tests only, truncated" }
            }
        },
        "JudgeVerdict": { "type": "string", "enum": ["AC", "WA", "PE", "TLE", "MLE", "RE", "OLE", "CE", "IE"] },
        "JudgeReport": {
            "type": "object", "additionalProperties": false, "required": ["verdict", "tests"],
            "description": "Same schema as `vibecheck judge --json`.",
            "properties": {
                "verdict": r("JudgeVerdict"),
                "compile_output": nullable("string"),
                "tests": { "type": "array", "items": r("TestResult") }
            }
        },
        "SolveRequest": {
            "type": "object", "additionalProperties": false, "required": ["problem"],
            "properties": {
                "problem": { "type": "string" },
                "kind": { "type": ["string", "null"], "enum": ["math", "code", null] },
                "system_prompt": nullable("string"),
                "reference": nullable("string"),
                "tests": { "type": "array", "items": r("JudgeTest") },
                "attempts": nullable("integer"),
                "samples": nullable("integer"),
                "program_check": nullable("boolean")
            }
        },
        "SolveReport": {
            "type": "object",
            "description": "Same schema as `vibecheck solve --json`; sent as the `report` SSE event.",
            "required": ["verdict", "answer_evidence"],
            "properties": {
                "verdict": r("Overall"),
                "answer_evidence": r("AnswerEvidence"),
                "answer": nullable("string"),
                "kind": { "type": "string", "enum": ["math", "code"] },
                "model": { "type": "string" },
                "chosen": nullable("integer"),
                "evidence": { "type": "array", "items": r("Check") },
                "attempts": { "type": "array", "items": { "type": "object", "description": "one generated sample: text, verdict, checks, verify report or judge outcome" } },
                "votes": { "type": "array", "items": { "type": "object" } },
                "tests": { "type": "integer" },
                "stopped": { "type": "string", "enum": ["verified", "no_errors_found", "attempts_exhausted", "token_budget", "deadline"] },
                "usage": { "type": "object" },
                "notes": { "type": "array", "items": { "type": "string" } }
            }
        },
        "Health": {
            "type": "object", "additionalProperties": false,
            "required": ["status", "version", "model", "auth", "workers"],
            "properties": {
                "status": { "type": "string" }, "version": { "type": "string" },
                "model": nullable("string"), "auth": { "type": "boolean" }, "workers": { "type": "integer" }
            }
        }
    })
}

fn json_body(schema: &str) -> Value {
    json!({ "content": { "application/json": { "schema": r(schema) } } })
}

fn errors(codes: &[u16]) -> Map<String, Value> {
    let mut m = Map::new();
    for c in codes {
        let which: Vec<&str> = ErrorCode::ALL
            .iter()
            .filter(|e| e.status().as_u16() == *c)
            .map(|e| e.as_str())
            .collect();
        let mut resp = json_body("Error");
        resp["description"] = json!(format!("error: {}", which.join(", ")));
        m.insert(c.to_string(), resp);
    }
    m
}

fn post_op(summary: &str, req: &str, ok: Value, codes: &[u16]) -> Value {
    let mut responses = errors(codes);
    responses.insert("200".into(), ok);
    json!({
        "post": {
            "summary": summary,
            "security": [{ "bearer": [] }],
            "requestBody": { "required": true, "content": { "application/json": { "schema": r(req) } } },
            "responses": responses
        }
    })
}

/// The whole document.
pub fn document() -> Value {
    let common = [401, 413, 422, 429, 500, 503, 504];
    let mut verify_ok = json_body("VerifyReport");
    verify_ok["description"] = json!("per-step verdicts with evidence");
    let mut judge_ok = json_body("JudgeReport");
    judge_ok["description"] = json!("the judge's verdict with a per-test table");
    let solve_ok = json!({
        "description": "Server-Sent Events: `progress` events (JSON), then one `report` event (SolveReport) or one `error` event (Error).",
        "content": { "text/event-stream": { "schema": { "type": "string" } } }
    });
    let mut health_ok = json_body("Health");
    health_ok["description"] = json!("the server is up");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "vibecheck verification API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Step-by-step verification of math solutions (sympy, Z3), judging of code in a wasm sandbox, and model solving with verification. Every error is {\"error\": {\"code\", \"message\"}}.",
            "x-limits": super::api::limits_summary()
        },
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": "API key; the server stores only its SHA-256" } }
        },
        "paths": {
            "/v1/verify": post_op("Verify a solution step by step", "VerifyRequest", verify_ok, &common),
            "/v1/judge": post_op("Judge a C, C++ or Python solution against tests", "JudgeRequest", judge_ok, &common),
            "/v1/solve": post_op("Solve with the model and verify (SSE stream)", "SolveRequest", solve_ok, &common),
            "/healthz": { "get": { "summary": "Liveness and configuration", "responses": { "200": health_ok } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "text exposition format 0.0.4", "content": { "text/plain": { "schema": { "type": "string" } } } } } } },
            "/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.1" } } } },
            "/": { "get": { "summary": "The web page", "responses": { "200": { "description": "HTML" } } } }
        }
    })
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => false,
    }
}

/// Checks `value` against the named schema of `doc`; the error names the JSON path.
pub fn validate(doc: &Value, schema: &str, value: &Value) -> Result<(), String> {
    check(doc, &r(schema), value, "$")
}

fn check(doc: &Value, schema: &Value, v: &Value, path: &str) -> Result<(), String> {
    if let Some(rf) = schema.get("$ref").and_then(Value::as_str) {
        let name = rf.trim_start_matches("#/components/schemas/");
        let s = &doc["components"]["schemas"][name];
        if s.is_null() {
            return Err(format!("{path}: unknown schema {name}"));
        }
        return check(doc, s, v, path);
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        return if alts.iter().any(|a| check(doc, a, v, path).is_ok()) {
            Ok(())
        } else {
            Err(format!("{path}: matches no alternative: {v}"))
        };
    }
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(t) => type_matches(t, v),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, v)),
            _ => true,
        };
        if !ok {
            return Err(format!("{path}: expected type {t}, got {v}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!(
                "{path}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    if let Value::Object(obj) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for k in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(k) {
                    return Err(format!("{path}: missing required field `{k}`"));
                }
            }
        }
        for (k, fv) in obj {
            let sub = format!("{path}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(doc, ps, fv, &sub)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!("{sub}: field not declared in the OpenAPI schema"))
                    }
                    Some(ap @ Value::Object(_)) => check(doc, ap, fv, &sub)?,
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(is)) = (v, schema.get("items")) {
        for (i, it) in items.iter().enumerate() {
            check(doc, is, it, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ref_resolves_and_validator_rejects_drift() {
        let doc = document();
        // Walk every $ref.
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(s)) = m.get("$ref") {
                        out.push(s.clone());
                    }
                    m.values().for_each(|x| refs(x, out));
                }
                Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let mut all = vec![];
        refs(&doc, &mut all);
        assert!(all.len() > 10);
        for rf in all {
            let name = rf.trim_start_matches("#/components/schemas/");
            assert!(!doc["components"]["schemas"][name].is_null(), "{rf}");
        }
        let good = json!({"error": {"code": "unauthorized", "message": "x"}});
        validate(&doc, "Error", &good).unwrap();
        let bad = json!({"error": {"code": "nope", "message": "x"}});
        assert!(validate(&doc, "Error", &bad).is_err());
        let extra = json!({"verdict": "AC", "tests": [], "surprise": 1});
        let e = validate(&doc, "JudgeReport", &extra).unwrap_err();
        assert!(e.contains("surprise"), "{e}");
        let missing = json!({"verdict": "AC"});
        assert!(validate(&doc, "JudgeReport", &missing).is_err());
    }
}
