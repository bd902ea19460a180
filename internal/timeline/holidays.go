package timeline

import (
	"slices"
	"sync"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// countryHolidays maps ISO 3166 alpha-2 codes to the national holiday lists
// of github.com/rickar/cal/v2. Regional lists (German states, US states, ...)
// are deliberately left out: a code means whole-country holidays only.
var countryHolidays = map[string][]*cal.Holiday{
	"AR": ar.Holidays,
	"AT": at.Holidays,
	"BE": be.Holidays,
	"BG": bg.Holidays,
	"BR": br.Holidays,
	"CA": ca.Holidays,
	"CH": ch.Holidays,
	"CZ": cz.Holidays,
	"DE": de.Holidays,
	"DK": dk.Holidays,
	"ES": es.Holidays,
	"FR": fr.Holidays,
	"GB": gb.Holidays,
	"GR": gr.Holidays,
	"HR": hr.Holidays,
	"IE": ie.Holidays,
	"IT": it.Holidays,
	"JP": jp.Holidays,
	"LT": lt.Holidays,
	"LV": lv.Holidays,
	"MW": mw.Holidays,
	"NC": nc.Holidays,
	"NL": nl.Holidays,
	"NO": no.Holidays,
	"NZ": nz.Holidays,
	"PL": pl.Holidays,
	"RO": ro.Holidays,
	"RU": ru.Holidays,
	"SE": se.Holidays,
	"SI": si.Holidays,
	"SK": sk.Holidays,
	"UA": ua.Holidays,
	"US": us.Holidays,
	"ZA": za.Holidays,
}

// SupportedCountries returns the country codes accepted in
// CalendarSpec.HolidayCountries, sorted.
func SupportedCountries() []string {
	out := make([]string, 0, len(countryHolidays))
	for code := range countryHolidays {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// Business-hours calendars only know the years 1 to 9999, the range of
// RFC 3339 and of the holiday rules; outside it they are closed. This also
// bounds every day-by-day walk, whatever instants callers pass in.
const (
	minYear = 1
	maxYear = 9999
)

// holidayCache memoizes the observed country holidays per year, because the
// day-by-day walks ask about every date and the rules are comparatively
// expensive to evaluate.
type holidayCache struct {
	rules []*cal.Holiday

	mu     sync.Mutex
	byYear map[int]map[Date]bool
}

// has reports whether d is the observed date of one of the rules.
func (h *holidayCache) has(d Date) bool {
	if len(h.rules) == 0 || d.Year < minYear || d.Year > maxYear {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	days, ok := h.byYear[d.Year]
	if !ok {
		days = h.compute(d.Year)
		if h.byYear == nil {
			h.byYear = make(map[int]map[Date]bool)
		}
		h.byYear[d.Year] = days
	}
	return days[d]
}

// compute returns the observed holiday dates falling in year. Neighbouring
// years are evaluated as well because an observed date can move across New
// Year (a Saturday 1 January observed on Friday 31 December).
func (h *holidayCache) compute(year int) map[Date]bool {
	days := make(map[Date]bool)
	for y := year - 1; y <= year+1; y++ {
		for _, rule := range h.rules {
			_, observed := rule.Calc(y)
			if observed.IsZero() {
				continue
			}
			// Calc returns local midnight in cal.DefaultLoc; only the civil
			// date matters, so read it in that same location.
			if d := DateOf(observed); d.Year == year {
				days[d] = true
			}
		}
	}
	return days
}
