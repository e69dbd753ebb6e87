package dev.pt2cache.blob;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

interface StoredBlobRepository extends JpaRepository<StoredBlob, String> {

  /**
   * Records that a blob is stored, or touches it when it already was: a blob referenced again is
   * not collected before its grace period has passed anew.
   */
  @Modifying
  @Query(
      value =
          """
          insert into blob (sha256, size_bytes) values (:sha256, :size)
          on conflict (sha256) do update set last_referenced_at = now()
          """,
      nativeQuery = true)
  void recordStored(@Param("sha256") String sha256, @Param("size") long size);
}
