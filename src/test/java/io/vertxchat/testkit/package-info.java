/**
 * The test kit: the one client of the event-bus bridge ({@link io.vertxchat.testkit.BridgeClient}), the
 * one sign-in helper ({@link io.vertxchat.testkit.DevSignIn}, the dev provider's real code flow) and the
 * browser-like HTTP client around it ({@link io.vertxchat.testkit.ChatClient}), shared by the tests and
 * the load generator in {@code bench/}.
 *
 * <p>{@code bench/} is a Maven project of its own that compiles this package from here (see
 * {@code bench/pom.xml}), so the kit may use only what the bench has: vertx-core, vertx-web-client and,
 * from the product, the dependency-free contract classes {@code Addresses} and {@code BridgeCodes}.
 * Nothing here may depend on JUnit, the test harness or other product classes.
 */
package io.vertxchat.testkit;
