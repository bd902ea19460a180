//go:build unix

package agent

import "testing"

func TestBufferDirectoryLocked(t *testing.T) {
	dir := t.TempDir()
	b := openBuffer(t, dir, BufferOptions{})
	if _, err := OpenBuffer(dir, BufferOptions{}); err == nil {
		t.Fatal("second OpenBuffer: got nil error, want the directory in use")
	}
	b.Close()
	b2 := openBuffer(t, dir, BufferOptions{})
	if _, err := b2.Append(makeResults(1, 1)...); err != nil {
		t.Errorf("Append after reopening: %v", err)
	}
	if _, err := b.Append(makeResults(1, 1)...); err == nil {
		t.Error("Append on a closed buffer: got nil error, want an error")
	}
}
