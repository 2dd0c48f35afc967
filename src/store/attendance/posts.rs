//! The `posts` table: each window post's A (holder) and B (backup). Must not decide a gap
//! (断档): the door engine does, from the posts loaded here.

use jiff::Timestamp;
use rusqlite::params;

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
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Every window post, by id.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn posts(&self) -> Result<Vec<Post>, StoreError> {
        select(
            &self.conn,
            "list posts",
            "SELECT post_id, holder, backup FROM posts ORDER BY post_id",
            [],
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
