// Package catalogschema builds the JSON Schema (draft-07) of a Backstage
// catalog entity that carries stagecrew's annotations, for editors
// (# yaml-language-server: $schema=...) and any JSON Schema validator. The
// annotation values are checked with the patterns of pkg/annotations, so an
// editor flags a malformed ARN the way 'stagecrew validate' does.
package catalogschema
