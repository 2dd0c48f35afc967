//! The door daemon (`hallclock run`): frame source → recognise → decide → record → feedback, the
//! uploader draining the outbox, signals, systemd notification and metrics. (being written)

pub mod upload;
