// SPDX-License-Identifier: MIT
// testutil.h — helpers shared by the GoogleTest suites: load platforms and scenarios from YAML
// text (written to a temporary file, so messages carry a real file name), collect errors, read
// the shipped platforms, and load, run and report a scenario.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

extern "C" {
#include "groups.h"
#include "pcie.h"
#include "platform.h"
#include "report.h"
#include "scenario.h"
#include "ydoc.h"
}

namespace iofab_test {

// A file in a private temporary directory; removed with the object.
class TempFile {
  public:
	TempFile(const std::string &name, const std::string &text)
	{
		char tmpl[] = "/tmp/iofab-test-XXXXXX";
		const char *d = mkdtemp(tmpl);
		dir_ = d ? d : "/tmp";
		path_ = dir_ + "/" + name;
		FILE *f = std::fopen(path_.c_str(), "w");
		if (f) {
			std::fputs(text.c_str(), f);
			std::fclose(f);
		}
	}
	~TempFile()
	{
		std::remove(path_.c_str());
		rmdir(dir_.c_str());
	}
	const std::string &path() const { return path_; }
	const std::string &dir() const { return dir_; }

  private:
	std::string dir_, path_;
};

inline std::string join_errors(yerrs_t *e)
{
	std::string out;
	for (unsigned i = 0; i < e->n; i++) {
		out += e->msgs[i];
		out += "\n";
	}
	yerrs_free(e);
	return out;
}

// Loads a platform from YAML text. On failure returns false and puts the messages (one per
// line, with the temporary file's path replaced by `name`) in *errors.
inline bool load_platform(const std::string &yaml, platform_t *p, std::string *errors = nullptr,
			  const std::string &name = "platform.yaml")
{
	TempFile f(name, yaml);
	yerrs_t e = {};
	bool ok = platform_load(p, f.path().c_str(), &e);
	std::string msgs = join_errors(&e);
	// Report messages against the bare name, as a user running in that directory sees them.
	for (size_t pos; (pos = msgs.find(f.path())) != std::string::npos;)
		msgs.replace(pos, f.path().size(), name);
	if (errors)
		*errors = msgs;
	return ok;
}

// Writes `platform` as p.yaml and `scenario` as s.yaml (which names platform: p.yaml) in one
// temporary directory and loads the scenario. Returns whether it loaded; *errors gets the
// messages with the directory left out (as "s.yaml:LINE:COL: ...").
inline bool load_scenario(const std::string &platform, const std::string &scenario, scenario_t *s,
			  std::string *errors)
{
	TempFile plat("p.yaml", platform);
	std::string path = plat.dir() + "/s.yaml";
	FILE *f = std::fopen(path.c_str(), "w");
	if (!f) {
		*errors = "cannot write " + path;
		return false;
	}
	std::fputs(scenario.c_str(), f);
	std::fclose(f);
	yerrs_t e = {};
	bool ok = scenario_load(s, path.c_str(), &e);
	*errors = join_errors(&e);
	std::remove(path.c_str());
	for (size_t pos; (pos = errors->find(plat.dir() + "/")) != std::string::npos;)
		errors->erase(pos, plat.dir().size() + 1);
	return ok;
}

// Index of the function named `name` (or -1).
inline int32_t fn(const platform_t &p, const char *name)
{
	return pcie_find_name(&p.fabric, name);
}

// The text of a shipped platform, platforms/`file` (empty if it cannot be read).
inline std::string shipped_platform(const char *file)
{
	std::ifstream in(std::string(IOFAB_TEST_SOURCE_DIR) + "/../platforms/" + file);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// `body` made a whole scenario: named s, on the platform load_scenario writes as p.yaml.
inline std::string scenario_text(const std::string &body)
{
	return "name: s\nplatform: p.yaml\n" + body;
}

// A scenario loaded (see load_scenario: `scenario` is the whole text) and, if it loaded, run;
// freed with the object. A suite derives from it for helpers of its own.
struct ScenarioRun {
	scenario_t s{};
	bool loaded = false;
	std::string errors;
	ScenarioRun(const std::string &platform, const std::string &scenario)
	{
		loaded = load_scenario(platform, scenario, &s, &errors);
		if (loaded)
			scenario_run(&s);
	}
	~ScenarioRun()
	{
		if (loaded)
			scenario_free(&s);
	}
	ScenarioRun(const ScenarioRun &) = delete;
	ScenarioRun &operator=(const ScenarioRun &) = delete;
	const step_t &step(unsigned i) const { return s.steps[i]; }
	// The run's text report.
	std::string report() const
	{
		char *buf = nullptr;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		report_run_text(f, &s);
		fclose(f);
		std::string r(buf, len);
		free(buf);
		return r;
	}

  protected:
	// For a derived constructor that loads the scenario some other way (and sets loaded).
	ScenarioRun() = default;
};

} // namespace iofab_test
