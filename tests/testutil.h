// SPDX-License-Identifier: MIT
// testutil.h — helpers shared by the GoogleTest suites: load platforms and scenarios from YAML
// text (written to a temporary file, so messages carry a real file name), collect errors.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

extern "C" {
#include "groups.h"
#include "pcie.h"
#include "platform.h"
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

} // namespace iofab_test
