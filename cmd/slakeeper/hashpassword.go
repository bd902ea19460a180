package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/config"
)

const hashPasswordUsage = `slakeeper hash-password reads a password from standard input (its first
line) and prints its bcrypt hash, for the password_hash of a user in the
configuration's users: section. The password itself is never stored.

Usage:
  slakeeper hash-password [--cost N] < password-file

Examples:
  printf '%s\n' 'correct horse battery staple' | slakeeper hash-password
  read -rs PW && printf '%s\n' "$PW" | slakeeper hash-password
`

// minPasswordLen is the shortest password accepted: a shorter one falls to
// guessing whatever the hash costs.
const minPasswordLen = 8

// maxPasswordLen is bcrypt's limit: it ignores bytes beyond the 72nd.
const maxPasswordLen = 72

func cmdHashPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("hash-password", hashPasswordUsage, stderr)
	cost := fs.Int("cost", 12, fmt.Sprintf("bcrypt cost, %d to %d: each step doubles the work of a sign-in and of a guess", config.MinBcryptCost, bcrypt.MaxCost))
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{"hash-password: the password is read from standard input, not given as an argument (it would show in the process list)"}
	}
	if *cost < config.MinBcryptCost || *cost > bcrypt.MaxCost {
		return &usageError{fmt.Sprintf("hash-password: --cost: want %d to %d, got %d", config.MinBcryptCost, bcrypt.MaxCost, *cost)}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("hash-password: read standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	switch {
	case pw == "":
		return &usageError{"hash-password: no password on standard input"}
	case len([]rune(pw)) < minPasswordLen:
		return &usageError{fmt.Sprintf("hash-password: the password is shorter than %d characters", minPasswordLen)}
	case len(pw) > maxPasswordLen:
		return &usageError{fmt.Sprintf("hash-password: the password is longer than %d bytes, which bcrypt cannot hash whole", maxPasswordLen)}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), *cost)
	if err != nil {
		return fmt.Errorf("hash-password: %w", err)
	}
	_, err = fmt.Fprintln(stdout, string(h))
	return err
}
