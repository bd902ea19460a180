package main

import (
	"context"
	"errors"
	"io"

	"github.com/slakeeper/slakeeper/internal/agent"
)

const agentUsage = `slakeeper agent runs the checks assigned to one location and streams the
results to the server over HTTP(S). Results are buffered on disk first, so
an agent that loses the server delivers them later, in order, without
duplicates. The server declares an outage only when a quorum of locations
agrees.

Usage:
  slakeeper agent --server URL --location NAME [--token T] [--buffer DIR]

The token is read from SLAKEEPER_AGENT_TOKEN when --token is not given
(preferred: a flag is visible to other users in the process list).

Example:
  SLAKEEPER_AGENT_TOKEN=… slakeeper agent --server https://sla.example.com --location eu-west
`

func cmdAgent(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("agent", agentUsage, stderr)
	server := fs.String("server", "", "the slakeeper server's base URL, or several replicas' separated by commas (the agent moves to the next when one stops answering)")
	token := fs.String("token", "", "the agent's token (default $SLAKEEPER_AGENT_TOKEN)")
	location := fs.String("location", "", "the location this agent checks from, as the server's configuration names it")
	buffer := fs.String("buffer", "slakeeper-agent", "directory for the on-disk result buffer")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *token == "" {
		*token = getenv("SLAKEEPER_AGENT_TOKEN")
	}
	if *server == "" || *location == "" || *token == "" {
		fs.Usage()
		return &usageError{"agent: --server, --location and a token are required"}
	}
	log, err := newLogger(stderr, *logFormat)
	if err != nil {
		return err
	}
	a, err := agent.New(agent.Options{Server: *server, Token: *token, Location: *location, BufferDir: *buffer, Logger: log})
	if err != nil {
		return err
	}
	log.Info("slakeeper agent running", "server", *server, "location", *location, "buffer", *buffer)
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
