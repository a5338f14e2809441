// Package logsafe makes outside text (file and entity names, references,
// input values, AWS event messages, container log lines) safe to print where
// a GitHub Actions runner reads it: a job log, which the runner scans for
// workflow commands ("::add-mask::", "::error::", the legacy "##[" form).
// Every writer of such text in stagecrew goes through String, Line or
// Writer, so there is one set of rules to get right.
package logsafe
