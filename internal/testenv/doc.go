// Package testenv gives tests the real third-party parts they run against:
// the repository root, npm projects under test/ installed from their lock
// files (through scripts/npm-install.sh and its cache), and Backstage's own
// catalog validation as an oracle (test/npm/catalog-oracle.js).
//
// When a part cannot be had, a test fails under CI=true and otherwise skips
// with a loud message saying so.
package testenv
