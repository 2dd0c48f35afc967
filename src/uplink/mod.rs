//! The client for the central scoring service: posts batches of attendance records as JSON over
//! HTTPS with a bearer token and an idempotency key per record. Knows nothing of SQLite: the
//! daemon reads the outbox through `store` and hands batches here. (being written)
