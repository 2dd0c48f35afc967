//! The SQL only the centre's pages ask: how many punches a hall received in a span (the county
//! overview's "today"). Decides nothing.

use jiff::Timestamp;

use super::{query, Store, StoreError};

impl Store {
    /// The punches of `hall` taken in `from..to`, from every door.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn punch_count(
        &self,
        hall: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<i64, StoreError> {
        let row = self
            .client
            .query_one(
                "SELECT count(*) FROM punches
                 WHERE hall = $1 AND at >= $2::text::timestamptz AND at < $3::text::timestamptz",
                &[&hall, &format!("{from:.6}"), &format!("{to:.6}")],
            )
            .await
            .map_err(query("counting a hall's punches"))?;
        Ok(row.get(0))
    }
}
