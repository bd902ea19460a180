package store

// MigrationCount is the number of migrations of a dialect, for the external
// tests that check each is recorded once.
func MigrationCount(dialect string) int {
	ms, err := migrations(dialect)
	if err != nil {
		panic(err)
	}
	return len(ms)
}
