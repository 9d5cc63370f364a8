# SPDX-License-Identifier: GPL-3.0-or-later
# The kselftest harness is not vendored: its two headers are extracted from
# Debian's linux-source package at configure time, or taken from KSELFTEST_DIR.

set(KSELFTEST_DIR "" CACHE PATH
	"directory holding kselftest_harness.h and kselftest.h (default: extract from LINUX_SOURCE_TARBALL)")
set(LINUX_SOURCE_TARBALL "/usr/src/linux-source-6.12.tar.xz" CACHE FILEPATH
	"kernel source tarball to take the kselftest harness from")

if(KSELFTEST_DIR)
	set(kselftest_include ${KSELFTEST_DIR})
else()
	set(kselftest_include ${CMAKE_BINARY_DIR}/kselftest)
	if(NOT EXISTS ${kselftest_include}/kselftest_harness.h)
		if(NOT EXISTS ${LINUX_SOURCE_TARBALL})
			message(FATAL_ERROR "kselftest harness: ${LINUX_SOURCE_TARBALL} not found; "
				"run scripts/install-deps (package linux-source-6.12) or set KSELFTEST_DIR")
		endif()
		message(STATUS "kselftest harness: extracting from ${LINUX_SOURCE_TARBALL}")
		file(MAKE_DIRECTORY ${kselftest_include})
		execute_process(
			COMMAND tar -xJf ${LINUX_SOURCE_TARBALL} -C ${kselftest_include}
				--strip-components=4 --wildcards
				*/tools/testing/selftests/kselftest_harness.h
				*/tools/testing/selftests/kselftest.h
			RESULT_VARIABLE tar_result)
		if(NOT tar_result EQUAL 0)
			message(FATAL_ERROR "kselftest harness: extraction from ${LINUX_SOURCE_TARBALL} failed")
		endif()
	endif()
endif()

foreach(header kselftest_harness.h kselftest.h)
	if(NOT EXISTS ${kselftest_include}/${header})
		message(FATAL_ERROR "kselftest harness: ${kselftest_include}/${header} is missing")
	endif()
endforeach()

add_library(kselftest INTERFACE)
target_include_directories(kselftest SYSTEM INTERFACE ${kselftest_include})

# The harness returns 4 (KSFT_SKIP) when every test was skipped.
function(dserver_add_kselftest name)
	cmake_parse_arguments(arg "" "" "SOURCES;LIBRARIES;LABELS" ${ARGN})
	add_executable(${name} ${arg_SOURCES})
	target_link_libraries(${name} PRIVATE kselftest ${arg_LIBRARIES})
	# The harness macros define functions without prototypes.
	target_compile_options(${name} PRIVATE -Wno-missing-prototypes)
	add_test(NAME ${name} COMMAND ${name})
	set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 4 LABELS "kselftest;${arg_LABELS}")
endfunction()
