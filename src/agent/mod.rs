//! The controller: problem → prompt → generate → parse → verify → retry / vote / stop.
//! The only module that joins model backends and verifiers.
