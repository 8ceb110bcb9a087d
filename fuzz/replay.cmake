# fuzz/replay.cmake - included by tests/CMakeLists.txt: one ctest per fuzz target
# that runs the target (built without libFuzzer, linked to replay.c) over its
# committed corpus fuzz/corpus/<target>/ and its saved findings
# fuzz/regressions/<target>/, under whatever sanitizers the build has (ASan and
# UBSan in the dev preset).
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)

foreach(t ${LOOKOUT_FUZZ_TARGETS})
  lookout_fuzz_executable(${t}_replay ${t} ${CMAKE_CURRENT_LIST_DIR}/replay.c)
  add_test(NAME ${t}_replay
    COMMAND ${t}_replay ${CMAKE_CURRENT_LIST_DIR}/corpus/${t}
            -m ${CMAKE_CURRENT_LIST_DIR}/regressions/${t})
  set_tests_properties(${t}_replay PROPERTIES LABELS fuzz TIMEOUT 600)
endforeach()
