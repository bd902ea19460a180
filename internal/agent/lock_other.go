//go:build !unix

package agent

import "os"

// lockDir opens path without locking it: this platform has no flock, so
// keeping one agent per buffer directory is left to the operator.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// syncDir does nothing: directories cannot be fsync'd here, and renames
// are durable by the file system's own rules.
func syncDir(string) error { return nil }
