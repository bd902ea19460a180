// Package openslo exports the availability objectives of a policy's plans
// as OpenSLO v1 documents (https://openslo.com), so that teams can feed the
// objectives they sign into their SLO tooling (Sloth, Pyrra, Nobl9…). It
// is pure: a policy and the monitors of each component in, YAML out.
//
// Each plan becomes one SLI and one SLO. The SLI counts slakeeper's own
// check results (the Prometheus counter slakeeper_check_results_total): a
// result "up" is good, every result counts. The SLO is budgeted in time
// slices of one minute, as the contracts count downtime in minutes, over
// the plan's calendar period in its time zone. What the export cannot
// carry is said in the SLO's description: the credit schedule, exclusions
// by cause and maintenance, which only slakeeper's own reports compute.
package openslo

import (
	"bytes"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/timeline"
)

// document is one OpenSLO object.
type document struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   metadata `yaml:"metadata"`
	Spec       any      `yaml:"spec"`
}

type metadata struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"displayName,omitempty"`
}

type sliSpec struct {
	Description string      `yaml:"description,omitempty"`
	RatioMetric ratioMetric `yaml:"ratioMetric"`
}

type ratioMetric struct {
	Counter bool         `yaml:"counter"`
	Good    metricHolder `yaml:"good"`
	Total   metricHolder `yaml:"total"`
}

type metricHolder struct {
	MetricSource metricSource `yaml:"metricSource"`
}

type metricSource struct {
	Type string            `yaml:"type"`
	Spec map[string]string `yaml:"spec"`
}

type sloSpec struct {
	Description     string       `yaml:"description,omitempty"`
	Service         string       `yaml:"service"`
	IndicatorRef    string       `yaml:"indicatorRef"`
	BudgetingMethod string       `yaml:"budgetingMethod"`
	TimeWindow      []timeWindow `yaml:"timeWindow"`
	Objectives      []objective  `yaml:"objectives"`
}

type timeWindow struct {
	Duration  string `yaml:"duration"`
	IsRolling bool   `yaml:"isRolling"`
	// Calendar aligns a calendar window; a rolling one has none.
	Calendar *calendar `yaml:"calendar,omitempty"`
}

type calendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type objective struct {
	DisplayName     string  `yaml:"displayName"`
	Target          float64 `yaml:"target"`
	TimeSliceTarget float64 `yaml:"timeSliceTarget"`
	TimeSliceWindow string  `yaml:"timeSliceWindow"`
}

// MonitorsOf returns the ids of the monitors that report on a component
// (nil when unknown: the query then selects by component name only).
type MonitorsOf func(component string) []string

var nameRE = regexp.MustCompile(`[^a-z0-9-]+`)

// name is an OpenSLO (DNS-1123) name.
func name(parts ...string) string {
	n := nameRE.ReplaceAllString(strings.ToLower(strings.Join(parts, "-")), "-")
	n = strings.Trim(n, "-")
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

// Export writes the OpenSLO documents of the plans of the version of pol
// in force at at, separated by "---". monitorsOf names each component's
// monitors for the queries; nil selects by component.
func Export(pol *sla.Policy, at time.Time, monitorsOf MonitorsOf) ([]byte, error) {
	v := pol.VersionAt(at)
	if v == nil {
		return nil, fmt.Errorf("policy %s: no version in force at %s", pol.ID, at.UTC().Format(time.DateOnly))
	}
	var docs []document
	for _, id := range v.PlanOrder {
		p := v.Plans[id]
		if p == nil || p.Objective == nil {
			continue
		}
		sli := name(pol.ID, p.ID, "availability")
		sel := selector(p.Components, monitorsOf)
		docs = append(docs, document{APIVersion: "openslo/v1", Kind: "SLI", Metadata: metadata{Name: sli, DisplayName: fmt.Sprintf("%s %s: checks up", pol.ID, p.ID)},
			Spec: sliSpec{
				Description: "slakeeper's check results of the plan's components: up is good, every result counts.",
				RatioMetric: ratioMetric{Counter: true,
					Good:  metricHolder{metricSource{Type: "Prometheus", Spec: map[string]string{"query": fmt.Sprintf(`sum(slakeeper_check_results_total{%s,state="up"})`, sel)}}},
					Total: metricHolder{metricSource{Type: "Prometheus", Spec: map[string]string{"query": fmt.Sprintf(`sum(slakeeper_check_results_total{%s})`, sel)}}},
				}}})
		target, _ := new(big.Rat).Quo(p.Objective, big.NewRat(100, 1)).Float64()
		title := cmpOr(p.Name, p.ID)
		docs = append(docs, document{APIVersion: "openslo/v1", Kind: "SLO", Metadata: metadata{Name: name(pol.ID, p.ID), DisplayName: fmt.Sprintf("%s — %s", cmpOr(pol.Title, pol.ID), title)},
			Spec: sloSpec{
				Description: description(pol, v, p), Service: pol.ID, IndicatorRef: sli, BudgetingMethod: "Timeslices",
				TimeWindow: []timeWindow{window(v, p)},
				Objectives: []objective{{DisplayName: fmt.Sprintf("%s %% uptime", p.Objective.FloatString(3)), Target: target, TimeSliceTarget: 1, TimeSliceWindow: "1m"}},
			}})
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("policy %s: no plan with an uptime objective", pol.ID)
	}
	var b bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// selector is the label matcher of a plan's results: its components'
// monitors when known, else a component label.
func selector(comps []string, monitorsOf MonitorsOf) string {
	var ms []string
	if monitorsOf != nil {
		for _, c := range comps {
			ms = append(ms, monitorsOf(c)...)
		}
	}
	if len(ms) == 0 {
		return fmt.Sprintf(`component=~"%s"`, strings.Join(quoteAll(comps), "|"))
	}
	slices.Sort(ms)
	return fmt.Sprintf(`monitor=~"%s"`, strings.Join(quoteAll(slices.Compact(ms)), "|"))
}

// quoteAll escapes ids for a regular expression inside a PromQL string,
// whose backslashes are escaped once more.
func quoteAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.ReplaceAll(regexp.QuoteMeta(id), `\`, `\\`)
	}
	return out
}

// startOf is the local midnight of the version's effective date in the
// plan's zone: where its calendar periods begin.
func startOf(effective time.Time, loc *time.Location) string {
	y, m, d := effective.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Format("2006-01-02 15:04:05")
}

// window is the plan's time window: its rolling days, or its calendar
// period aligned to the version's start in the plan's zone.
func window(v *sla.Version, p *sla.Plan) timeWindow {
	if p.Rolling > 0 {
		return timeWindow{Duration: fmt.Sprintf("%dd", p.Rolling), IsRolling: true}
	}
	return timeWindow{Duration: duration(p.Period), Calendar: &calendar{StartTime: startOf(v.Effective, p.Location), TimeZone: p.Location.String()}}
}

func duration(k timeline.Kind) string {
	switch k {
	case timeline.Quarter:
		return "1Q"
	case timeline.Year:
		return "1Y"
	}
	return "1M"
}

// description says what the plan promises beyond the objective, which an
// SLO tool does not compute.
func description(pol *sla.Policy, v *sla.Version, p *sla.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Exported by slakeeper from policy %s, version %s (effective %s), plan %s.", pol.ID, v.ID, v.Effective.Format(time.DateOnly), p.ID)
	var ex []string
	for _, c := range sla.Causes {
		if p.Excluded[c] {
			ex = append(ex, string(c))
		}
	}
	if len(ex) > 0 {
		fmt.Fprintf(&b, " Downtime excluded by cause (not seen by this SLI): %s.", strings.Join(ex, ", "))
	}
	if len(p.Credits.Tiers) > 0 || p.Credits.Linear != nil {
		b.WriteString(" Service credits apply below the objective; slakeeper's reports compute them.")
	}
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
