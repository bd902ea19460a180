package server

import (
	"context"

	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// obligationsByIncident are the obligations of the incidents open now or
// recently resolved (s.openObligations, obligations.go), by incident id,
// as the operator pages show them.
func (s *Server) obligationsByIncident(ctx context.Context) (map[string][]operatorui.Obligation, error) {
	obls, err := s.openObligations(ctx, s.now())
	if err != nil {
		return nil, err
	}
	out := map[string][]operatorui.Obligation{}
	for _, o := range obls {
		title := o.Metric
		switch o.Metric {
		case sla.MetricUpdateEvery:
			title = "Public update"
		case sla.MetricPostmortem:
			title = "Post-mortem"
		}
		out[o.Incident] = append(out[o.Incident], operatorui.Obligation{Title: title, Due: o.Due, Met: o.Met, MetAt: o.MetAt, Overdue: o.Overdue})
	}
	return out, nil
}

// incidentObligations are one incident's obligations.
func (s *Server) incidentObligations(ctx context.Context, id string) ([]operatorui.Obligation, error) {
	m, err := s.obligationsByIncident(ctx)
	return m[id], err
}

// unmet keeps the obligations still to do (due or overdue): what the
// dashboard lists.
func unmet(obls []operatorui.Obligation) []operatorui.Obligation {
	var out []operatorui.Obligation
	for _, o := range obls {
		if !o.Met {
			out = append(out, o)
		}
	}
	return out
}
