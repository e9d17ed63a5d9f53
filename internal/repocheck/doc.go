// Package repocheck holds tests of the repository as a whole, not of one
// package: what `make test` relies on to run every test it should.
package repocheck
