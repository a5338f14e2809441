// Package ghrepo reads a GitHub repository's default branch through the REST
// API, at one commit resolved when the snapshot is opened: single files and
// the Backstage catalog entities of the tree. It exists so that the facts a
// policy decides on (users, groups, ownership, the policy file) come from a
// commit the workflow did not choose, never from a checked-out tree that a
// pull request can change.
//
// Every read is bounded (files, bytes per file, bytes in all), a listing
// GitHub truncated is an error rather than a partial catalog, and every
// error names the repository, commit and path it concerns.
package ghrepo
