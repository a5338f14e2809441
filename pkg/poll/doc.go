// Package poll is the one polling loop policy of stagecrew's runners: a
// backoff schedule for calls made again and again until something ends
// (a few fast polls, then exponential backoff with full jitter, slower
// still while AWS throttles), the clock the loops sleep on, and the test of
// which AWS SDK errors are worth another call.
//
// The option names are the SDK waiters' (MinDelay, MaxDelay); the runners
// use this package where a waiter's fixed policy is not good enough.
package poll
