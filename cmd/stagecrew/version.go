package main

// version is the release's version, such as 1.2.3, set at link time by the
// release build (.goreleaser.yaml: -X main.version={{ .Version }}); a build
// from source keeps "dev". The version command prints it.
var version = "dev"
