module github.com/slakeeper/slakeeper

go 1.26

require (
	github.com/google/go-cmp v0.7.0
	github.com/rickar/cal/v2 v2.1.13
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	golang.org/x/text v0.14.0 // indirect
)
