/*
 * Stand-in for versatica's libsrtp 3.0 fork (what mediasoup >= 3.15 is written against), on top of
 * Debian's libsrtp 2.5.0 (built from `apt-get source libsrtp2` by scripts/build-worker.mjs, with
 * OpenSSL). The mediasoup worker includes <srtp.h> and calls the libsrtp 3 API: an opaque policy
 * object with setters, and protect/unprotect calls that take an input and an output buffer with
 * size_t lengths. This header keeps every libsrtp 2 declaration and renames those few calls onto
 * srtp3compat_* functions (srtp3_compat.c) that do the same with libsrtp 2's calls, the way
 * mediasoup 3.14 (the last release on libsrtp 2) made them. See docs/mediasoup.md.
 */
#ifndef CDN_RELAY_SRTP3_COMPAT_H
#define CDN_RELAY_SRTP3_COMPAT_H

#include <srtp2/srtp.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libsrtp 3 makes the policy an opaque handle built with setters. */
typedef struct srtp3compat_policy *srtp3compat_policy_t;

/* Error codes libsrtp 3 added; libsrtp 2 never returns them, the worker only names them. */
#define srtp_err_status_buffer_small ((srtp_err_status_t)28)
#define srtp_err_status_cryptex_err ((srtp_err_status_t)29)

srtp_err_status_t srtp3compat_policy_create(srtp3compat_policy_t *policy);
void srtp3compat_policy_destroy(srtp3compat_policy_t policy);
srtp_err_status_t srtp3compat_policy_set_ssrc(srtp3compat_policy_t policy, srtp_ssrc_t ssrc);
srtp_err_status_t srtp3compat_policy_set_profile(srtp3compat_policy_t policy, srtp_profile_t profile);
srtp_err_status_t srtp3compat_policy_add_key(srtp3compat_policy_t policy,
                                             const uint8_t *key,
                                             size_t key_len,
                                             const uint8_t *salt,
                                             size_t salt_len,
                                             const uint8_t *mki,
                                             size_t mki_len);
srtp_err_status_t srtp3compat_policy_set_allow_repeat_tx(srtp3compat_policy_t policy, bool allow);
srtp_err_status_t srtp3compat_policy_set_window_size(srtp3compat_policy_t policy, size_t window_size);
srtp_err_status_t srtp3compat_create(srtp_t *session, srtp3compat_policy_t policy);
srtp_err_status_t srtp3compat_protect(srtp_t ctx,
                                      const uint8_t *rtp,
                                      size_t rtp_len,
                                      uint8_t *srtp,
                                      size_t *srtp_len,
                                      size_t mki_index);
srtp_err_status_t srtp3compat_unprotect(srtp_t ctx,
                                        const uint8_t *srtp,
                                        size_t srtp_len,
                                        uint8_t *rtp,
                                        size_t *rtp_len);
srtp_err_status_t srtp3compat_protect_rtcp(srtp_t ctx,
                                           const uint8_t *rtcp,
                                           size_t rtcp_len,
                                           uint8_t *srtcp,
                                           size_t *srtcp_len,
                                           size_t mki_index);
srtp_err_status_t srtp3compat_unprotect_rtcp(srtp_t ctx,
                                             const uint8_t *srtcp,
                                             size_t srtcp_len,
                                             uint8_t *rtcp,
                                             size_t *rtcp_len);

#ifdef __cplusplus
}
#endif

/* The renames: after the libsrtp 2 declarations above, so those keep their own names. */
#define srtp_policy_t srtp3compat_policy_t
#define srtp_policy_create srtp3compat_policy_create
#define srtp_policy_destroy srtp3compat_policy_destroy
#define srtp_policy_set_ssrc srtp3compat_policy_set_ssrc
#define srtp_policy_set_profile srtp3compat_policy_set_profile
#define srtp_policy_add_key srtp3compat_policy_add_key
#define srtp_policy_set_allow_repeat_tx srtp3compat_policy_set_allow_repeat_tx
#define srtp_policy_set_window_size srtp3compat_policy_set_window_size
#define srtp_create srtp3compat_create
#define srtp_protect srtp3compat_protect
#define srtp_unprotect srtp3compat_unprotect
#define srtp_protect_rtcp srtp3compat_protect_rtcp
#define srtp_unprotect_rtcp srtp3compat_unprotect_rtcp
/* libsrtp 3 renamed srtp_remove_stream; same arguments. */
#define srtp_stream_remove srtp_remove_stream

#endif
