// Package safefile reads files from a tree that someone else controls, such
// as a pull request's checkout: only regular files, symbolic links followed
// only while they stay inside the tree, and never more than a size limit,
// enforced while reading. A named pipe, a device, a link to /dev/zero or out
// of the tree is refused with an error, so no file can hang a reader or make
// it read without bound.
package safefile
