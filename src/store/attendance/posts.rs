//! The `posts` table: each window post's A (holder) and B (backup), and its retirement (the row
//! stays, no longer listed with the posts in service). Must not decide a gap (断档): the door
//! engine does, from the posts loaded here.

use jiff::Timestamp;
use rusqlite::{params, Transaction};

use super::staff::ensure_staff;
use crate::core::leave::{Post, PostId};
use crate::store::audit::{write_audit, Audit};
use crate::store::{select, sql, staff_id, Store, StoreError};

impl Store {
    /// Sets (or replaces) a window post's A and B.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`] (e.g. A and B the same person).
    pub fn set_post(
        &mut self,
        post: &Post,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "set a post";
        let tx = self.write(action)?;
        ensure_staff(&tx, &post.holder)?;
        ensure_staff(&tx, &post.backup)?;
        upsert_post(&tx, post, now)?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Every window post in service (not retired), by id.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn posts(&self) -> Result<Vec<Post>, StoreError> {
        self.posts_where(false)
    }

    /// Every retired window post, by id, as it was when retired.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn retired_posts(&self) -> Result<Vec<Post>, StoreError> {
        self.posts_where(true)
    }

    /// Retires a window post at `at`: it keeps its row and is no longer in service. Returns
    /// whether a post in service of that id was found.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn retire_post(
        &mut self,
        post: &PostId,
        at: Timestamp,
        audit: &Audit,
    ) -> Result<bool, StoreError> {
        let action = "retire a post";
        let tx = self.write(action)?;
        let n = tx
            .execute(
                "UPDATE posts SET retired_at = ?2, updated_at = ?2
                 WHERE post_id = ?1 AND retired_at IS NULL",
                params![post.as_str(), at.to_string()],
            )
            .map_err(sql(action))?;
        if n == 0 {
            return Ok(false);
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(true)
    }

    fn posts_where(&self, retired: bool) -> Result<Vec<Post>, StoreError> {
        select(
            &self.conn,
            "list posts",
            "SELECT post_id, holder, backup FROM posts
             WHERE (retired_at IS NOT NULL) = ?1 ORDER BY post_id",
            [retired],
            |c| {
                Ok(Post {
                    id: PostId::new(&c.get::<String>(0)?),
                    holder: staff_id(&c.get::<String>(1)?, "posts.holder")?,
                    backup: staff_id(&c.get::<String>(2)?, "posts.backup")?,
                })
            },
        )
    }
}

/// Writes post `post` (a new row, or its A and B replaced; retired stays retired) in `tx`.
///
/// # Errors
/// [`StoreError::Sql`].
pub(super) fn upsert_post(
    tx: &Transaction<'_>,
    post: &Post,
    now: Timestamp,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO posts (post_id, holder, backup, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (post_id) DO UPDATE SET holder = excluded.holder,
             backup = excluded.backup, updated_at = excluded.updated_at",
        params![
            post.id.as_str(),
            post.holder.as_str(),
            post.backup.as_str(),
            now.to_string()
        ],
    )
    .map_err(sql("set a post"))?;
    Ok(())
}
