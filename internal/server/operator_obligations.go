package server

import (
	"context"

	"github.com/slakeeper/slakeeper/internal/operatorui"
)

// obligationsByIncident are the obligations of every incident, by incident
// id, for the operator pages.
func (s *Server) obligationsByIncident(ctx context.Context) (map[string][]operatorui.Obligation, error) {
	return map[string][]operatorui.Obligation{}, nil
}

// incidentObligations are one incident's obligations.
func (s *Server) incidentObligations(ctx context.Context, id string) ([]operatorui.Obligation, error) {
	m, err := s.obligationsByIncident(ctx)
	return m[id], err
}

// canPostmortem reports whether post-mortems can be published from the
// operator pages.
func (s *Server) canPostmortem() bool { return false }
