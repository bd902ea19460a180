package config

// Component returns the configured component with id, or nil.
func (c *Config) Component(id string) *Component {
	for i := range c.Components {
		if c.Components[i].ID == id {
			return &c.Components[i]
		}
	}
	return nil
}

// ComponentName is the display name of component id: its configured
// name, else the id itself (a component only a policy names has no
// other).
func (c *Config) ComponentName(id string) string {
	if comp := c.Component(id); comp != nil && comp.Name != "" {
		return comp.Name
	}
	return id
}

// ComponentNames are the display names of ids, in their order.
func (c *Config) ComponentNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = c.ComponentName(id)
	}
	return out
}

// KnownComponent returns a test for component ids that are configured or
// named by a configured policy: what an incident, a maintenance window or
// a subscriber may name.
func (c *Config) KnownComponent() func(string) bool {
	known := map[string]bool{}
	for _, comp := range c.Components {
		known[comp.ID] = true
	}
	for _, p := range c.Policies {
		for id := range p.Components {
			known[id] = true
		}
	}
	return func(id string) bool { return known[id] }
}
