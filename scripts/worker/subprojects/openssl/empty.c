/* Intentionally empty: mediasoup's meson.build links a library object from this subproject;
 * the real library comes in through the dependency (see meson.build). */
typedef int cdn_relay_standin_unused;
