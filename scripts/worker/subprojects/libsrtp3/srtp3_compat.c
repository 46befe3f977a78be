/*
 * libsrtp 3 calls used by the mediasoup worker, made with libsrtp 2.5.0's API (see include/srtp.h
 * for why). This file includes libsrtp 2's header only, so every srtp_* name below is libsrtp 2's.
 *
 * Buffers: libsrtp 3 reads from one buffer and writes to another whose capacity the caller passes
 * in *out_len; libsrtp 2 works in place and assumes room for the trailer after the packet. So the
 * packet is copied to the output buffer when the two differ, after checking that the output buffer
 * holds the packet plus the largest trailer libsrtp 2 may append.
 */
#include <srtp2/srtp.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define srtp_err_status_buffer_small ((srtp_err_status_t)28)

/* Longest master key + salt of the four profiles the worker uses (AES-256-GCM: 32 + 12). */
#define COMPAT_MAX_KEY_AND_SALT 64
/* srtp_protect_rtcp may append the tag, the MKI and the 4-byte SRTCP index. */
#define COMPAT_MAX_SRTCP_TRAILER (SRTP_MAX_TRAILER_LEN + 4)

struct srtp3compat_policy {
  srtp_policy_t policy;
  unsigned char key[COMPAT_MAX_KEY_AND_SALT];
};
typedef struct srtp3compat_policy *srtp3compat_policy_t;

srtp_err_status_t srtp3compat_policy_create(srtp3compat_policy_t *out) {
  if (out == NULL) return srtp_err_status_bad_param;
  srtp3compat_policy_t p = calloc(1, sizeof(*p));
  if (p == NULL) return srtp_err_status_alloc_fail;
  p->policy.key = p->key;
  p->policy.next = NULL;
  *out = p;
  return srtp_err_status_ok;
}

void srtp3compat_policy_destroy(srtp3compat_policy_t p) {
  if (p == NULL) return;
  /* The key is a secret: do not leave it in freed memory. */
  volatile unsigned char *k = p->key;
  for (size_t i = 0; i < sizeof(p->key); i++) k[i] = 0;
  free(p);
}

srtp_err_status_t srtp3compat_policy_set_ssrc(srtp3compat_policy_t p, srtp_ssrc_t ssrc) {
  if (p == NULL) return srtp_err_status_bad_param;
  p->policy.ssrc = ssrc;
  return srtp_err_status_ok;
}

srtp_err_status_t srtp3compat_policy_set_profile(srtp3compat_policy_t p, srtp_profile_t profile) {
  if (p == NULL) return srtp_err_status_bad_param;
  srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&p->policy.rtp, profile);
  if (err != srtp_err_status_ok) return err;
  return srtp_crypto_policy_set_from_profile_for_rtcp(&p->policy.rtcp, profile);
}

srtp_err_status_t srtp3compat_policy_add_key(srtp3compat_policy_t p,
                                             const uint8_t *key,
                                             size_t key_len,
                                             const uint8_t *salt,
                                             size_t salt_len,
                                             const uint8_t *mki,
                                             size_t mki_len) {
  if (p == NULL || key == NULL || salt == NULL) return srtp_err_status_bad_param;
  /* One key without MKI is all the worker uses; libsrtp 2 takes it as key || salt. */
  if (mki != NULL || mki_len != 0) return srtp_err_status_bad_param;
  if (key_len + salt_len > sizeof(p->key)) return srtp_err_status_bad_param;
  memcpy(p->key, key, key_len);
  memcpy(p->key + key_len, salt, salt_len);
  p->policy.key = p->key;
  return srtp_err_status_ok;
}

srtp_err_status_t srtp3compat_policy_set_allow_repeat_tx(srtp3compat_policy_t p, bool allow) {
  if (p == NULL) return srtp_err_status_bad_param;
  p->policy.allow_repeat_tx = allow ? 1 : 0;
  return srtp_err_status_ok;
}

srtp_err_status_t srtp3compat_policy_set_window_size(srtp3compat_policy_t p, size_t window_size) {
  if (p == NULL) return srtp_err_status_bad_param;
  p->policy.window_size = (unsigned long)window_size;
  return srtp_err_status_ok;
}

srtp_err_status_t srtp3compat_create(srtp_t *session, srtp3compat_policy_t p) {
  if (p == NULL) return srtp_err_status_bad_param;
  return srtp_create(session, &p->policy);
}

/* Copies `in` to `out` (when they differ) if `out` holds it plus `trailer` bytes. */
static srtp_err_status_t stage(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t trailer) {
  if (in == NULL || out == NULL) return srtp_err_status_bad_param;
  if (in_len > INT_MAX - trailer || out_cap < in_len + trailer) return srtp_err_status_buffer_small;
  if (in != out) memmove(out, in, in_len);
  return srtp_err_status_ok;
}

srtp_err_status_t srtp3compat_protect(srtp_t ctx,
                                      const uint8_t *rtp,
                                      size_t rtp_len,
                                      uint8_t *srtp,
                                      size_t *srtp_len,
                                      size_t mki_index) {
  if (srtp_len == NULL || mki_index != 0) return srtp_err_status_bad_param;
  srtp_err_status_t err = stage(rtp, rtp_len, srtp, *srtp_len, SRTP_MAX_TRAILER_LEN);
  if (err != srtp_err_status_ok) return err;
  int len = (int)rtp_len;
  err = srtp_protect(ctx, srtp, &len);
  if (err == srtp_err_status_ok) *srtp_len = (size_t)len;
  return err;
}

srtp_err_status_t srtp3compat_unprotect(srtp_t ctx,
                                        const uint8_t *srtp,
                                        size_t srtp_len,
                                        uint8_t *rtp,
                                        size_t *rtp_len) {
  if (rtp_len == NULL) return srtp_err_status_bad_param;
  srtp_err_status_t err = stage(srtp, srtp_len, rtp, *rtp_len, 0);
  if (err != srtp_err_status_ok) return err;
  int len = (int)srtp_len;
  err = srtp_unprotect(ctx, rtp, &len);
  if (err == srtp_err_status_ok) *rtp_len = (size_t)len;
  return err;
}

srtp_err_status_t srtp3compat_protect_rtcp(srtp_t ctx,
                                           const uint8_t *rtcp,
                                           size_t rtcp_len,
                                           uint8_t *srtcp,
                                           size_t *srtcp_len,
                                           size_t mki_index) {
  if (srtcp_len == NULL || mki_index != 0) return srtp_err_status_bad_param;
  srtp_err_status_t err = stage(rtcp, rtcp_len, srtcp, *srtcp_len, COMPAT_MAX_SRTCP_TRAILER);
  if (err != srtp_err_status_ok) return err;
  int len = (int)rtcp_len;
  err = srtp_protect_rtcp(ctx, srtcp, &len);
  if (err == srtp_err_status_ok) *srtcp_len = (size_t)len;
  return err;
}

srtp_err_status_t srtp3compat_unprotect_rtcp(srtp_t ctx,
                                             const uint8_t *srtcp,
                                             size_t srtcp_len,
                                             uint8_t *rtcp,
                                             size_t *rtcp_len) {
  if (rtcp_len == NULL) return srtp_err_status_bad_param;
  srtp_err_status_t err = stage(srtcp, srtcp_len, rtcp, *rtcp_len, 0);
  if (err != srtp_err_status_ok) return err;
  int len = (int)srtcp_len;
  err = srtp_unprotect_rtcp(ctx, rtcp, &len);
  if (err == srtp_err_status_ok) *rtcp_len = (size_t)len;
  return err;
}
