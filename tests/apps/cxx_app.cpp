/*
 * An unmodified MPI application in C++17 (it knows nothing of SCR) that
 * checkpoints with iostreams: std::ofstream, one binary file per rank in
 * D/ckpt.<step>/rank_<r>.dat, then rank 0 writes the marker D/latest with
 * std::ofstream once every rank has closed its file; on start it reads the
 * marker with std::ifstream. Used by the transparent-mode (LD_PRELOAD) tests.
 * State, advance() and result are the same as tests/mpi/api_app.c, so
 * results are comparable for the same arguments.
 *
 *   cxx_app [--steps N] [--every K] [--bytes B] [--die-at S] [--dir D]
 *           [--expect-restart S] [--pause-ms N]
 *
 * --pause-ms N  after each checkpoint (and the marker), before the --die-at
 *               check, every rank sleeps N ms (default 0): compute time in
 *               which a background system can act on the checkpoint
 * Exit: 0 ok, 2 usage, 3 expectation failed, 4 bad/missing checkpoint or I/O.
 */
// the C API only: skip the deprecated C++ bindings
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zlib.h>

namespace fs = std::filesystem;

namespace {

const char *const APP = "cxx_app";

struct Options {
	int steps = 10, every = 2, die_at = 0, expect_restart = -1, pause_ms = 0;
	long bytes = 65536;
	std::string dir = "ckpt";
};

int rank = 0, nranks = 1;
Options o;

[[noreturn]] void usage()
{
	if (rank == 0)
		std::cerr << "usage: " << APP << " [--steps N] [--every K] [--bytes B] [--die-at S]"
			  << " [--dir D] [--expect-restart S] [--pause-ms N]\n";
	MPI_Finalize();
	std::exit(2);
}

int int_arg(const std::string &v)
{
	try {
		std::size_t used = 0;
		long x = std::stol(v, &used);
		if (used != v.size() || x < -1 || x > 1000000000L)
			usage();
		return static_cast<int>(x);
	} catch (const std::exception &) {
		usage();
	}
}

void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) {
		std::string a = argv[i];
		if (i + 1 >= argc)
			usage();
		std::string v = argv[i + 1];
		if (a == "--steps") o.steps = int_arg(v);
		else if (a == "--every") o.every = int_arg(v);
		else if (a == "--bytes") o.bytes = int_arg(v);
		else if (a == "--die-at") o.die_at = int_arg(v);
		else if (a == "--expect-restart") o.expect_restart = int_arg(v);
		else if (a == "--pause-ms") o.pause_ms = int_arg(v);
		else if (a == "--dir") o.dir = v;
		else usage();
	}
	if (o.steps < 1 || o.every < 1 || o.bytes < 1 || o.die_at < 0 || o.pause_ms < 0 ||
	    o.dir.empty())
		usage();
}

[[noreturn]] void die_io(const std::string &what, const std::string &path)
{
	std::cerr << APP << ": rank " << rank << ": " << what << " " << path << ": "
		  << std::strerror(errno) << std::endl;
	MPI_Abort(MPI_COMM_WORLD, 4);
	std::exit(4);
}

// ---- state: identical to tests/mpi/api_app.c ----

class State {
public:
	explicit State(std::size_t n) : st_(n) {}

	void init()
	{
		for (std::size_t i = 0; i < st_.size(); i++)
			st_[i] = static_cast<unsigned char>(i * 31 + rank * 7);
	}

	void advance(int step)
	{
		unsigned long local = 0, global = 0;
		for (std::size_t i = 0; i < st_.size(); i += 97)
			local += st_[i];
		MPI_Allreduce(&local, &global, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
		auto carry = static_cast<unsigned char>(global + static_cast<unsigned long>(step));
		for (auto &b : st_) {
			auto v = static_cast<unsigned char>(b * 5 + carry + static_cast<unsigned char>(step));
			carry = b;
			b = v;
		}
	}

	unsigned long crc() const
	{
		return crc32(0, st_.data(), static_cast<uInt>(st_.size()));
	}

	std::vector<unsigned char> &bytes() { return st_; }

private:
	std::vector<unsigned char> st_;
};

// ---- file format: header, then the payload bytes ----

struct Header {
	std::uint64_t magic, step, size, crc;
};
constexpr std::uint64_t APP_MAGIC = 0x6170706b70747631ULL;

std::string ckpt_dir(int step)
{
	return o.dir + "/ckpt." + std::to_string(step);
}

std::string rank_file(int step, int r)
{
	return ckpt_dir(step) + "/rank_" + std::to_string(r) + ".dat";
}

void make_dir(const std::string &path, bool parents)
{
	std::error_code ec;
	if (parents)
		fs::create_directories(path, ec);
	else
		fs::create_directory(path, ec);
	if (ec) {
		errno = ec.value();
		die_io("cannot create directory", path);
	}
}

void checkpoint(int step, State &s)
{
	if (rank == 0)
		make_dir(ckpt_dir(step), false);
	MPI_Barrier(MPI_COMM_WORLD);

	const auto &b = s.bytes();
	std::string path = rank_file(step, rank);
	{
		std::ofstream out(path, std::ios::binary | std::ios::trunc);
		if (!out)
			die_io("cannot create", path);
		Header h{APP_MAGIC, static_cast<std::uint64_t>(step), b.size(), s.crc()};
		out.write(reinterpret_cast<const char *>(&h), sizeof(h));
		out.write(reinterpret_cast<const char *>(b.data()),
			  static_cast<std::streamsize>(b.size()));
		out.close();
		if (!out)
			die_io("cannot write", path);
	}

	// every rank has closed its file: now the marker
	MPI_Barrier(MPI_COMM_WORLD);
	if (rank == 0) {
		std::string marker = o.dir + "/latest";
		std::ofstream m(marker, std::ios::trunc);
		m << step << "\n";
		m.close();
		if (!m)
			die_io("cannot write", marker);
		std::cout << APP << ": checkpoint at step " << step << std::endl;
	}
}

// Rank 0: step named by D/latest, 0 if there is none, -1 if it is bad.
int read_marker()
{
	std::string marker = o.dir + "/latest";
	std::error_code ec;
	if (!fs::exists(marker, ec))
		return 0;
	std::ifstream m(marker);
	int step = 0;
	std::string rest;
	if (!m || !(m >> step) || step < 1 || (m >> rest)) {
		std::cerr << APP << ": bad marker file " << marker << std::endl;
		return -1;
	}
	return step;
}

bool read_ckpt(int step, State &s)
{
	auto &b = s.bytes();
	std::string path = rank_file(step, rank);
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		std::cerr << APP << ": rank " << rank << ": cannot open " << path << ": "
			  << std::strerror(errno) << std::endl;
		return false;
	}
	Header h{};
	const char *err = nullptr;
	if (!in.read(reinterpret_cast<char *>(&h), sizeof(h)))
		err = "short header";
	else if (h.magic != APP_MAGIC)
		err = "bad magic";
	else if (h.step != static_cast<std::uint64_t>(step))
		err = "wrong step in header";
	else if (h.size != b.size())
		err = "wrong payload length in header";
	else if (!in.read(reinterpret_cast<char *>(b.data()), static_cast<std::streamsize>(b.size())))
		err = "short payload";
	else if (h.crc != s.crc())
		err = "crc32 mismatch";
	else if (in.peek() != std::ifstream::traits_type::eof())
		err = "trailing data after payload";
	if (err) {
		std::cerr << APP << ": rank " << rank << ": bad checkpoint file " << path << ": "
			  << err << std::endl;
		return false;
	}
	return true;
}

bool all_true(bool mine)
{
	int ok = mine ? 1 : 0, all = 0;
	MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	return all != 0;
}

} // namespace

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	parse(argc, argv);

	State s(static_cast<std::size_t>(o.bytes) + static_cast<std::size_t>(rank) * 1031);

	int start = 0;
	if (rank == 0) {
		make_dir(o.dir, true);
		start = read_marker();
	}
	MPI_Bcast(&start, 1, MPI_INT, 0, MPI_COMM_WORLD);
	bool ok = start >= 0;
	if (ok && start > 0)
		ok = read_ckpt(start, s);
	if (!all_true(ok)) {
		if (rank == 0)
			std::cerr << APP << ": cannot restart: bad or missing checkpoint" << std::endl;
		MPI_Finalize();
		return 4;
	}
	if (start == 0)
		s.init();
	if (rank == 0) {
		if (start)
			std::cout << APP << ": restarted from step " << start << std::endl;
		else
			std::cout << APP << ": starting fresh" << std::endl;
	}
	if (o.expect_restart >= 0 && start != o.expect_restart) {
		if (rank == 0)
			std::cerr << APP << ": expected restart from step " << o.expect_restart
				  << ", got " << start << std::endl;
		MPI_Finalize();
		return 3;
	}

	for (int step = start + 1; step <= o.steps; step++) {
		s.advance(step);
		if (step % o.every == 0) {
			checkpoint(step, s);
			if (o.pause_ms > 0)
				std::this_thread::sleep_for(std::chrono::milliseconds(o.pause_ms));
		}
		if (step == o.die_at) {
			if (rank == 0)
				std::cout << APP << ": killed at step " << step << std::endl;
			std::cout.flush();
			MPI_Barrier(MPI_COMM_WORLD);
			std::raise(SIGKILL);
		}
	}

	unsigned long mine = s.crc(), sum = 0;
	MPI_Reduce(&mine, &sum, 1, MPI_UNSIGNED_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		char hex[32];
		std::snprintf(hex, sizeof(hex), "%lx", sum);
		std::cout << APP << ": result " << hex << std::endl;
	}
	MPI_Finalize();
	return 0;
}
