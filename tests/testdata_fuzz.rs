//! Property tests (bounded, run by CI) for the test-folder loader (`sandbox::testdata`): any
//! folder of the layouts people use, with any content, and any problem JSON text loads to a
//! `Problem` or a clear error, never a panic; what loads never names a file outside the folder.

use proptest::prelude::*;
use vibecheck::sandbox::testdata;

/// File names of every layout the loader knows, plus names it must ignore.
const NAMES: &[&str] = &[
    "1.in",
    "1.out",
    "1.ans",
    "2.in",
    "in1.txt",
    "ans1.txt",
    "input1.txt",
    "output1.txt",
    "sample-1.in",
    "sample-1.out",
    "a/1.in",
    "a/1.ans",
    "b/c/1.in",
    ".cph/sol.cpp_abc.prob",
    ".cph/other.prob",
    "problem.json",
    "notes.txt",
    "10.in",
    "10.out",
];

/// Contents: test data, and JSON of the shapes Competitive Companion and CPH write, whole or cut.
fn content() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("1 2\n".to_string()),
        Just("{\"tests\":[{\"input\":\"1\\n\",\"output\":\"1\\n\"}]}".to_string()),
        Just("{\"tests\":[{\"input\":1}],\"timeLimit\":-5,\"memoryLimit\":1e300}".to_string()),
        Just("{\"tests\":[{\"input\":\"1\",\"output\":\"1\"}],\"interactive\":true}".to_string()),
        Just("{\"url\":\"http://x\",\"name\":\"../../etc\",\"tests\":[]}".to_string()),
        Just("{\"tests\":".to_string()),
        "\\PC{0,64}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_folder_loads_or_errs(files in proptest::collection::vec(
        (proptest::sample::select(NAMES), content()), 0..12)) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        if let Ok(problem) = testdata::load(dir.path(), Some("sol.cpp")) {
            let listed = format!("{:?}", problem.tests);
            prop_assert!(!listed.contains("/etc/"), "{}", listed);
        }
    }

    #[test]
    fn any_problem_json_parses_or_errs(text in prop_oneof![content(), "\\PC{0,200}"]) {
        let _ = testdata::parse_problem_json(&text);
    }
}
