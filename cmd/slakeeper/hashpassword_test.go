package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/slakeeper/slakeeper/internal/config"
)

func TestHashPassword(t *testing.T) {
	hash := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"hash-password"}, args...), func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
		if err != nil && exitCode(err) != 0 {
			errb.WriteString(err.Error())
		}
		return exitCode(err), out.String(), errb.String()
	}

	code, out, errOut := hash("correct horse battery staple\n", "--cost", "10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	h := strings.TrimSpace(out)
	if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("correct horse battery staple")); err != nil {
		t.Errorf("the printed hash %q does not match the password: %v", h, err)
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != 10 {
		t.Errorf("cost: got %d, want 10", c)
	}
	// The printed hash is what the configuration accepts.
	if _, err := config.Parse("t.yaml", []byte("users:\n  - {name: a, password_hash: \""+h+"\"}\n"), func(string) string { return "" }, nil); err != nil {
		t.Errorf("the configuration refuses the printed hash: %v", err)
	}
	// Without a final newline, and with a CRLF, the password is the same.
	for _, in := range []string{"correct horse battery staple", "correct horse battery staple\r\nsecond line\n"} {
		_, out, _ := hash(in, "--cost", "10")
		if err := bcrypt.CompareHashAndPassword([]byte(strings.TrimSpace(out)), []byte("correct horse battery staple")); err != nil {
			t.Errorf("input %q: %v", in, err)
		}
	}

	for _, tt := range []struct {
		name, stdin string
		args        []string
		wantCode    int
		wantOut     string
		wantErr     string
	}{
		{name: "help has an example", args: []string{"--help"}, wantCode: 0, wantOut: "Examples:"},
		{name: "empty", stdin: "", wantCode: 2, wantErr: "no password on standard input"},
		{name: "short", stdin: "short\n", wantCode: 2, wantErr: "shorter than 8"},
		{name: "too long", stdin: strings.Repeat("x", 73) + "\n", wantCode: 2, wantErr: "longer than 72 bytes"},
		{name: "argument", stdin: "", args: []string{"secret-password"}, wantCode: 2, wantErr: "not given as an argument"},
		{name: "low cost", stdin: "correct horse\n", args: []string{"--cost", "4"}, wantCode: 2, wantErr: "--cost: want 10 to 31"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := hash(tt.stdin, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
			if strings.Contains(errOut, "secret-password") {
				t.Errorf("the password leaked into the error: %q", errOut)
			}
		})
	}
}
