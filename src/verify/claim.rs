//! The claim language: parser and Z3 encoding. Work in progress.
