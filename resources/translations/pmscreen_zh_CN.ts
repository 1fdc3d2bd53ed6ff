<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DatasetSource</name>
    <message>
        <location filename="../../gui/dataset/summary.py" line="31"/>
        <source>{0} labelled by {1}</source>
        <translation>{0}（标签来自 {1}）</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="33"/>
        <source>stratified {0}% of {1} (seed {2})</source>
        <translation>从 {1} 中分层抽取的 {0}%（随机种子 {2}）</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="34"/>
        <source>stratified {0}% (seed {1})</source>
        <translation>分层抽取的 {0}%（随机种子 {1}）</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="36"/>
        <source>fold {0} of {1} of {2} pooled images</source>
        <translation>{2} 张合并图像中的第 {0}/{1} 折</translation>
    </message>
</context>
<context>
    <name>DatasetSummary</name>
    <message>
        <location filename="../../gui/dataset/summary.py" line="83"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="83"/>
        <source>Training</source>
        <translation>训练集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="83"/>
        <source>Validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="84"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="84"/>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="88"/>
        <source>pathologic myopia</source>
        <translation>病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="88"/>
        <source>high myopia</source>
        <translation>高度近视</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="88"/>
        <source>normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="91"/>
        <source>PM</source>
        <translation>病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="91"/>
        <source>non-PM</source>
        <translation>非病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="94"/>
        <source>training</source>
        <translation>训练集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="94"/>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="110"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="111"/>
        <source>PALM (labels from file names and the label file)</source>
        <translation>PALM（标签来自文件名和标注文件）</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="112"/>
        <source>one folder per class</source>
        <translation>每个类别一个文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="113"/>
        <source>Layout: {0}
Validation: {1}</source>
        <translation>结构：{0}
验证集：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="119"/>
        <source>Problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="122"/>
        <source>Counts</source>
        <translation>数量统计</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="163"/>
        <source>Problems ({0})</source>
        <translation>问题（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="171"/>
        <source>Checking that every image can be read: {0} of {1}…</source>
        <translation>正在检查每张图像能否读取：{0} / {1}…</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="173"/>
        <source>All {0} images decoded: {1} unreadable, {2} identical copies of other images (see Problems).</source>
        <translation>已解码全部 {0} 张图像：{1} 张无法读取，{2} 张与其他图像完全相同（见“问题”）。</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="176"/>
        <source>All {0} images decoded: {1} unreadable.</source>
        <translation>已解码全部 {0} 张图像：{1} 张无法读取。</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="178"/>
        <source>Images are checked when shown; check all {0} to find unreadable files.</source>
        <translation>图像在显示时才检查；检查全部 {0} 张可找出无法读取的文件。</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/summary.py" line="180"/>
        <source>Check all images</source>
        <translation>检查全部图像</translation>
    </message>
</context>
<context>
    <name>DatasetView</name>
    <message>
        <location filename="../../gui/dataset/view.py" line="167"/>
        <source>Open folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="168"/>
        <source>Open a PALM folder (training + validation with a label file) or a folder with one sub-folder per class</source>
        <translation>打开 PALM 文件夹（训练集 + 带标注文件的验证集），或每个类别一个子文件夹的文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="170"/>
        <source>Open data set folder…</source>
        <translation>打开数据集文件夹…</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="171"/>
        <source>No data set is open.

Open a PALM-style folder (PALM-Training400, PALM-Validation400 and its label file) or a folder with one sub-folder per class — or drop the folder here.</source>
        <translation>尚未打开数据集。

请打开 PALM 格式的文件夹（PALM-Training400、PALM-Validation400 及其标注文件），或每个类别一个子文件夹的文件夹——也可以把文件夹拖放到这里。</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="174"/>
        <source>Split:</source>
        <translation>划分：</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="175"/>
        <source>Class:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="177"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="177"/>
        <source>Split</source>
        <translation>划分</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="177"/>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="178"/>
        <source>Original size</source>
        <translation>原始尺寸</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="178"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="270"/>
        <source>Training</source>
        <translation>训练集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="270"/>
        <source>Validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="183"/>
        <location filename="../../gui/dataset/view.py" line="215"/>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="203"/>
        <source>Open data set folder</source>
        <translation>打开数据集文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="233"/>
        <source>Opened {0}: {1} training and {2} validation images</source>
        <translation>已打开 {0}：{1} 张训练图像，{2} 张验证图像</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="242"/>
        <source>Cannot open this data set: {0}</source>
        <translation>无法打开此数据集：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="244"/>
        <source>Cannot open {0}</source>
        <translation>无法打开 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="270"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="279"/>
        <source>All classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="309"/>
        <source>{0} of {1} images</source>
        <translation>显示 {0} / {1} 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="388"/>
        <source>No image selected</source>
        <translation>未选择图像</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="410"/>
        <source>Cannot read this image: {0}</source>
        <translation>无法读取此图像：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="411"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="412"/>
        <source>{0} × {1} pixels</source>
        <translation>{0} × {1} 像素</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/view.py" line="413"/>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
</context>
<context>
    <name>DetailPanel</name>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="136"/>
        <source>Heatmap</source>
        <translation>热力图</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="137"/>
        <source>Overlay the Grad-CAM heatmap: the regions of the image that raised the PM score most ({0})</source>
        <translation>叠加 Grad-CAM 热力图：图像中使病理性近视评分升高最多的区域（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="139"/>
        <source>Opacity:</source>
        <translation>不透明度：</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="140"/>
        <source>Opacity of the heatmap over the photograph ({0} more, {1} less)</source>
        <translation>热力图在照片上的不透明度（{0} 提高，{1} 降低）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="142"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="143"/>
        <source>strongest</source>
        <translation>最强</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="153"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="165"/>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="168"/>
        <source>Ungradable — retake</source>
        <translation>无法分级 — 请重拍</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="171"/>
        <source>PM — pathologic myopia</source>
        <translation>病理性近视（PM）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="171"/>
        <source>Not PM</source>
        <translation>非病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="172"/>
        <source>PM probability: {0}</source>
        <translation>病理性近视概率：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="175"/>
        <source>Model: {0} (PM when probability ≥ {1:.1%})</source>
        <translation>模型：{0}（概率 ≥ {1:.1%} 时判为病理性近视）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="196"/>
        <location filename="../../gui/diagnosis/detail.py" line="257"/>
        <source>Cannot read this file</source>
        <translation>无法读取此文件</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="208"/>
        <source>No heatmap: {0}</source>
        <translation>无热力图：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="209"/>
        <source>Computing the heatmap…</source>
        <translation>正在计算热力图…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="211"/>
        <source>No heatmap: the network gave no verdict for this image</source>
        <translation>无热力图：网络未对此图像给出结论</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="219"/>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="229"/>
        <source>Coloured: the regions that raised the PM score most. The score reached the threshold ({0:.1%}): judged PM.</source>
        <translation>着色区域：使病理性近视评分升高最多的区域。评分达到阈值（{0:.1%}）：判定为病理性近视。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/detail.py" line="231"/>
        <source>Coloured: the regions that raised the PM score most; the score stayed below the threshold ({0:.1%}), so they are not signs of PM.</source>
        <translation>着色区域：使病理性近视评分升高最多的区域；评分仍低于阈值（{0:.1%}），因此它们不是病理性近视的征象。</translation>
    </message>
</context>
<context>
    <name>DiagnosisView</name>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="190"/>
        <source>Open images…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="191"/>
        <location filename="../../gui/diagnosis/view.py" line="506"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="194"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="195"/>
        <source>Save the results as an Excel workbook (.xlsx), a CSV file or a PDF report with each image and its heatmap ({0})</source>
        <translation>将结果保存为 Excel 工作簿（.xlsx）、CSV 文件或含每张图像及其热力图的 PDF 报告（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="265"/>
        <source>Cannot use this model: {0}</source>
        <translation>无法使用此模型：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="273"/>
        <source>Open model folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="398"/>
        <source>Open fundus images</source>
        <translation>打开眼底图像</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="399"/>
        <source>Images ({0})</source>
        <translation>图像 ({0})</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="401"/>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="432"/>
        <source>No model to diagnose with</source>
        <translation>没有可用于诊断的模型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="450"/>
        <source>Diagnosis failed: {0}</source>
        <translation>诊断失败：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="452"/>
        <source>Diagnosis stopped after {0} of {1} images: {2}</source>
        <translation>诊断在完成 {0} / {1} 张图像后中止：{2}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="199"/>
        <source>Heatmap</source>
        <translation>热力图</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="291"/>
        <source>Results cleared: another model was chosen</source>
        <translation>已清空结果：选择了另一个模型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="400"/>
        <source>DICOM files (*.dcm *.dicom)</source>
        <translation>DICOM 文件 (*.dcm *.dicom)</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="439"/>
        <source>Diagnosing with {0}…</source>
        <translation>正在使用 {0} 诊断…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="455"/>
        <source>Diagnosis cancelled after {0} of {1} images</source>
        <translation>诊断已取消：已完成 {0} / {1} 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="192"/>
        <source>Remove all results from the table ({0})</source>
        <translation>从表格中移除所有结果（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="198"/>
        <source>Choose fundus photographs to diagnose ({0})</source>
        <translation>选择要诊断的眼底照片（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="200"/>
        <source>More heatmap opacity</source>
        <translation>提高热力图不透明度</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="201"/>
        <source>Less heatmap opacity</source>
        <translation>降低热力图不透明度</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="202"/>
        <source>Clear results…</source>
        <translation>清除结果…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="203"/>
        <source>Drop fundus photographs here</source>
        <translation>将眼底照片拖放到此处</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="204"/>
        <source>JPEG, PNG, TIFF, BMP or DICOM files, or a folder of them — or use Open images… ({0})</source>
        <translation>JPEG、PNG、TIFF、BMP 或 DICOM 文件，或包含它们的文件夹 — 也可使用“打开图像…”（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="257"/>
        <source>Wait for the diagnosis to finish, or cancel it, before changing the model</source>
        <translation>请等待诊断完成或取消诊断后再更换模型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="283"/>
        <source>Use another model</source>
        <translation>使用其他模型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="284"/>
        <source>Use {0}? The {1} results in the table, from another model, are removed.</source>
        <translation>使用 {0}？表中来自另一个模型的 {1} 条结果将被移除。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="286"/>
        <source>They stay in the audit log; export them first if you need a report.</source>
        <translation>它们仍保留在审计日志中；如需报告，请先导出。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="287"/>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="356"/>
        <source>Changing the operating point of {0}…</source>
        <translation>正在更改 {0} 的工作点…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="371"/>
        <source>A copy of {0} in your model library ({1}) now says PM from {2:.1%} (recorded in its model card); the bundled model is unchanged</source>
        <translation>模型库中的 {0} 副本（{1}）现在从 {2:.1%} 起判为 PM（已记入其模型卡）；内置模型未改变</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="375"/>
        <source>{0} now says PM from {1:.1%} (recorded in its model card)</source>
        <translation>{0} 现在从 {1:.1%} 起判定为病理性近视（已记录在其模型卡中）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="380"/>
        <source>The operating point was not changed: {0}</source>
        <translation>工作点未更改：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="409"/>
        <source>Open a folder of fundus images</source>
        <translation>打开眼底图像文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="459"/>
        <source>Diagnosed {0}: {1} judged, {2} ungradable, {3} could not be read</source>
        <translation>已诊断 {0}：{1} 张已判读，{2} 张无法分级，{3} 张无法读取</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="460"/>
        <source>1 image</source>
        <translation>1 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="460"/>
        <source>{0} images</source>
        <translation>{0} 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="502"/>
        <source>Clear results</source>
        <translation>清除结果</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="503"/>
        <source>Remove all results from the table ({0})?</source>
        <translation>从表格中移除全部结果（{0}）？</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="505"/>
        <source>They stay in the audit log. A batch that is running is cancelled.</source>
        <translation>结果仍保留在审计日志中。正在运行的批次将被取消。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="556"/>
        <source>Wait for the diagnosis to finish, or cancel it, before exporting</source>
        <translation>请等待诊断完成或取消诊断后再导出</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="560"/>
        <source>Nothing to export yet</source>
        <translation>还没有可导出的结果</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="574"/>
        <source>Export results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="575"/>
        <source>The table shows {0} of the {1} results. Show: {2}.</source>
        <translation>表格显示了 {1} 个结果中的 {0} 个。显示：{2}。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="577"/>
        <source>Export all {0}</source>
        <translation>导出全部 {0} 个</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/view.py" line="578"/>
        <source>Export the {0} shown</source>
        <translation>仅导出显示的 {0} 个</translation>
    </message>
</context>
<context>
    <name>DicomBox</name>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="43"/>
        <source>Reading the DICOM header…</source>
        <translation>正在读取 DICOM 文件头…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="57"/>
        <source>right eye (R)</source>
        <translation>右眼（R）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="57"/>
        <source>left eye (L)</source>
        <translation>左眼（L）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="57"/>
        <source>both eyes (B)</source>
        <translation>双眼（B）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="59"/>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="61"/>
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="63"/>
        <source>Eye</source>
        <translation>眼别</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="65"/>
        <source>Acquired</source>
        <translation>拍摄日期</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="67"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="67"/>
        <source>{0} × {1} px</source>
        <translation>{0} × {1} 像素</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="69"/>
        <source>Field of view</source>
        <translation>视野</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="71"/>
        <source>Frames</source>
        <translation>帧数</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="71"/>
        <source>{0} (the first is used)</source>
        <translation>{0}（使用第一帧）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="73"/>
        <source>, {0} bits</source>
        <translation>，{0} 位</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="74"/>
        <source>Pixels</source>
        <translation>像素格式</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="76"/>
        <source>Encoding</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="78"/>
        <source>Object</source>
        <translation>对象类型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="83"/>
        <source>DICOM</source>
        <translation>DICOM</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/dicom.py" line="83"/>
        <source>(no patient data is shown)</source>
        <translation>（不显示任何患者信息）</translation>
    </message>
</context>
<context>
    <name>Exporter</name>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="148"/>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="148"/>
        <location filename="../../gui/diagnosis/export.py" line="203"/>
        <source>CSV file (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="149"/>
        <source>PDF report with images and heatmaps (*.pdf)</source>
        <translation>含图像和热力图的 PDF 报告 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="154"/>
        <source>Export results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="155"/>
        <source>Export the {0} rows shown (of {1})</source>
        <translation>导出显示的 {0} 行（共 {1} 行）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="168"/>
        <source>A report must end in .xlsx, .csv or .pdf</source>
        <translation>报告文件名必须以 .xlsx、.csv 或 .pdf 结尾</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="176"/>
        <location filename="../../gui/diagnosis/export.py" line="215"/>
        <source>Cannot write {0}: {1}</source>
        <translation>无法写入 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="188"/>
        <source>Export cancelled; {0} was not written</source>
        <translation>导出已取消；未写入 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="190"/>
        <source>Saved {0} results to {1}</source>
        <translation>已将 {0} 个结果保存到 {1}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="202"/>
        <source>Export the audit log</source>
        <translation>导出审计日志</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/export.py" line="213"/>
        <source>Saved {0} audit log entries to {1}</source>
        <translation>已将 {0} 条审计日志记录保存到 {1}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/main_window.py" line="129"/>
        <source>Engine error: {0}</source>
        <translation>引擎错误：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="134"/>
        <source>Start &amp;cross-validation</source>
        <translation>开始交叉验证(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="244"/>
        <source>Pathologic myopia screening</source>
        <translation>病理性近视筛查</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="245"/>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="245"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="245"/>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="249"/>
        <source>Loading the deep-learning engine…</source>
        <translation>正在加载深度学习引擎…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="250"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="251"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="252"/>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="253"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="254"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="255"/>
        <source>Open &amp;data set…</source>
        <translation>打开数据集(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="256"/>
        <source>Open &amp;images for diagnosis…</source>
        <translation>打开待诊断图像(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="257"/>
        <source>Open a f&amp;older of images for diagnosis…</source>
        <translation>打开待诊断图像文件夹(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="258"/>
        <source>Open &amp;model folder…</source>
        <translation>打开模型文件夹(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="259"/>
        <source>&amp;Export diagnosis results…</source>
        <translation>导出诊断结果(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="260"/>
        <source>Export &amp;runs table…</source>
        <translation>导出训练记录表(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="261"/>
        <source>Export the &amp;audit log…</source>
        <translation>导出审计日志(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="262"/>
        <source>Every verdict given on this computer, as a CSV file</source>
        <translation>本机给出的每一条诊断结论，保存为 CSV 文件</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="263"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="134"/>
        <source>&amp;Start training</source>
        <translation>开始训练(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="265"/>
        <source>S&amp;top training</source>
        <translation>停止训练(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="266"/>
        <source>&amp;About PM Screen</source>
        <translation>关于 PM Screen(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="267"/>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="317"/>
        <source>Device: …</source>
        <translation>设备：…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="320"/>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="320"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="321"/>
        <source>Device: {0}</source>
        <translation>设备：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="329"/>
        <source>Model: loading…</source>
        <translation>模型：加载中…</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="331"/>
        <source>Model: {0}</source>
        <translation>模型：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="332"/>
        <source>Model: none</source>
        <translation>模型：无</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="350"/>
        <location filename="../../gui/main_window.py" line="356"/>
        <source>Export runs table</source>
        <translation>导出训练记录表</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="350"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="357"/>
        <source>The runs table could not be saved to {0}: {1}</source>
        <translation>无法将训练记录表保存到 {0}：{1}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="359"/>
        <source>Saved the runs table to {0}</source>
        <translation>已将训练记录表保存到 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="364"/>
        <source>About PM Screen</source>
        <translation>关于 PM Screen</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="365"/>
        <source>&lt;b&gt;PM Screen {0}&lt;/b&gt;&lt;p&gt;Screens colour fundus photographs for pathologic myopia and trains and compares ResNet O/B/C/D models on PALM / iChallenge-PM data.&lt;/p&gt;&lt;p&gt;A research tool, not a medical device: every result needs an ophthalmologist&apos;s judgement.&lt;/p&gt;</source>
        <translation>&lt;b&gt;PM Screen {0}&lt;/b&gt;&lt;p&gt;用彩色眼底照片筛查病理性近视，并在 PALM / iChallenge-PM 数据上训练和比较 ResNet O/B/C/D 模型。&lt;/p&gt;&lt;p&gt;本软件为科研工具，并非医疗器械：所有结果都需要眼科医生判断。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../../gui/main_window.py" line="426"/>
        <source>Stopping the training run before closing…</source>
        <translation>正在停止训练，随后关闭…</translation>
    </message>
</context>
<context>
    <name>ModelCardDialog</name>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="23"/>
        <source>Model card — {0}</source>
        <translation>模型卡 — {0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="36"/>
        <source>Open model folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="49"/>
        <source>PM when the probability is at least {0:.1%}.</source>
        <translation>概率不低于 {0:.1%} 时判为病理性近视。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="55"/>
        <source> (95 % intervals: sensitivity {0:.1%}–{1:.1%}, specificity {2:.1%}–{3:.1%})</source>
        <translation>（95% 区间：灵敏度 {0:.1%}–{1:.1%}，特异度 {2:.1%}–{3:.1%}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="57"/>
        <source>{0}.</source>
        <comment>a sentence&apos;s full stop</comment>
        <translation>{0}。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="59"/>
        <source>No sensitivity or specificity was measured at this threshold.</source>
        <translation>此阈值下未测量灵敏度或特异度。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_card.py" line="61"/>
        <source>The model card below is the model&apos;s sealed document, in English.</source>
        <translation>下方的模型卡是该模型经过封存的原始文件，为英文。</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="91"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="92"/>
        <location filename="../../gui/diagnosis/model_picker.py" line="93"/>
        <source>Open model folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="94"/>
        <source>Change…</source>
        <translation>更改…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="95"/>
        <source>Model card</source>
        <translation>模型卡</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="96"/>
        <source>What this model is for, how it was made and measured, its expected sensitivity and specificity, and its limitations</source>
        <translation>该模型的用途、训练与评估方式、预期灵敏度和特异度，以及其局限</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="98"/>
        <source>Change the operating point of this model (recorded in its model card)</source>
        <translation>更改此模型的工作点（记录在模型卡中）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="143"/>
        <source>{0} (bundled)</source>
        <translation>{0}（内置）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="189"/>
        <source>PM when probability ≥ {0:.1%}</source>
        <translation>概率 ≥ {0:.1%} 时判为病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="190"/>
        <source>Operating point of this model (Change… or pmscreen set-threshold changes it, recorded in the model card):</source>
        <translation>此模型的工作点（可用“更改…”或 pmscreen set-threshold 更改，并记录在模型卡中）：</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="193"/>
        <source>≥ {0:.1%}</source>
        <translation>≥ {0:.1%}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="48"/>
        <source>out-of-fold sensitivity {0:.1%}, specificity {1:.1%}</source>
        <translation>折外灵敏度 {0:.1%}，特异度 {1:.1%}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="50"/>
        <source>validation sensitivity {0:.1%}, specificity {1:.1%}</source>
        <translation>验证集灵敏度 {0:.1%}，特异度 {1:.1%}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="196"/>
        <source>in use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="196"/>
        <source>documented, not in use</source>
        <translation>已记录，未使用</translation>
    </message>
</context>
<context>
    <name>NoModelBanner</name>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="222"/>
        <source>Train a model</source>
        <translation>训练模型</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="223"/>
        <source>Open model folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="230"/>
        <source>The model cannot be used: {0}</source>
        <translation>该模型无法使用：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="233"/>
        <source>Not opened: {0}. The model in use is still {1}.</source>
        <translation>未打开：{0}。当前使用的仍是模型 {1}。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="237"/>
        <source>Not opened: {0}</source>
        <translation>未打开：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="240"/>
        <source>No model is installed. Train one in the Training view, or open a model folder (one with model.json and weights.safetensors).</source>
        <translation>尚未安装模型。请在“训练”视图中训练一个模型，或打开一个模型文件夹（包含 model.json 和 weights.safetensors）。</translation>
    </message>
</context>
<context>
    <name>OperatingPointDialog</name>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="31"/>
        <source>Change the operating point</source>
        <translation>更改工作点</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="38"/>
        <source>{0} says PM when the probability is at least {1:.1%}. The figures in its model card were measured at the thresholds listed below; at any other threshold its sensitivity and specificity are not known.</source>
        <translation>{0} 在概率不低于 {1:.1%} 时判定为病理性近视。其模型卡中的数据是在下列阈值下测得的；在其他阈值下，其灵敏度和特异度未知。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="45"/>
        <source>another value (not documented)</source>
        <translation>其他值（未记录）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="47"/>
        <source>≥ {0:.1%}</source>
        <translation>≥ {0:.1%}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="61"/>
        <source>e.g. referral policy of the clinic, approved by …</source>
        <translation>例如：本诊所的转诊政策，由……批准</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="68"/>
        <source>Documented points:</source>
        <translation>已记录的工作点：</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="69"/>
        <source>PM when probability ≥</source>
        <translation>概率 ≥ 此值时判定为病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="71"/>
        <source>Reason (recorded):</source>
        <translation>原因（将被记录）：</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="73"/>
        <source>The change, your user name, the time and the reason are recorded in the model card, and the model is sealed again.</source>
        <translation>此次更改、您的用户名、时间和原因将记录在模型卡中，模型将重新封印。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="76"/>
        <source>The bundled model is part of the program and is not changed: a copy in your model library gets the new operating point and becomes the model in use.</source>
        <translation>内置模型是程序的一部分，不会被更改：将在您的模型库中创建一个副本，副本使用新的工作点并成为当前使用的模型。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="79"/>
        <source>The result in the table was judged at the old threshold and is removed (it stays in the audit log).</source>
        <translation>表中的结果是按旧阈值判定的，将被移除（仍保留在审计日志中）。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="81"/>
        <source>The {0} results in the table were judged at the old threshold and are removed (they stay in the audit log).</source>
        <translation>表中的 {0} 个结果是按旧阈值判定的，将被移除（仍保留在审计日志中）。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="88"/>
        <source>Copy and change</source>
        <translation>复制并更改</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="88"/>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="119"/>
        <source>Estimated at this threshold by cross-validation: out-of-fold sensitivity {0:.1%}, specificity {1:.1%}.</source>
        <translation>交叉验证在此阈值下的估计：折外灵敏度 {0:.1%}，特异度 {1:.1%}。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="121"/>
        <source>Measured at this threshold: validation sensitivity {0:.1%}, specificity {1:.1%}.</source>
        <translation>在此阈值下测得：验证集灵敏度 {0:.1%}，特异度 {1:.1%}。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/operating_point.py" line="128"/>
        <source>Not measured at this threshold: its sensitivity and specificity are not known.</source>
        <translation>此阈值未经测量：其灵敏度和特异度未知。</translation>
    </message>
</context>
<context>
    <name>ProgressStrip</name>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="34"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="35"/>
        <source>Stop after the images being processed (Esc)</source>
        <translation>处理完当前图像后停止（Esc）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="37"/>
        <location filename="../../gui/diagnosis/progress.py" line="61"/>
        <source>{0} · {1:.1f} images/s · about {2} left</source>
        <translation>{0} · 每秒 {1:.1f} 张 · 约剩 {2}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="38"/>
        <location filename="../../gui/diagnosis/progress.py" line="58"/>
        <source>{0} of {1} images</source>
        <translation>{0} / {1} 张图像</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="45"/>
        <source>Writing {0}: {1} of {2} rows</source>
        <translation>正在写入 {0}：{1} / {2} 行</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="54"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="56"/>
        <source>Loading the model: {0}</source>
        <translation>正在加载模型：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="64"/>
        <source>{0} judged, {1} ungradable, {2}</source>
        <translation>{0} 张已判定，{1} 张无法分级，{2}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="65"/>
        <source>1 error</source>
        <translation>1 个错误</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="65"/>
        <source>{0} errors</source>
        <translation>{0} 个错误</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="67"/>
        <source>The model is ready</source>
        <translation>模型已就绪</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="69"/>
        <source>Preparing the model: {0}</source>
        <translation>正在准备模型：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="76"/>
        <source>starting the engine process…</source>
        <translation>正在启动推理进程…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="77"/>
        <source>loading PaddlePaddle…</source>
        <translation>正在加载 PaddlePaddle…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="78"/>
        <source>loading the model and its inference engine (prepared once, then cached)…</source>
        <translation>正在加载模型及其推理引擎（首次准备后缓存）…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="79"/>
        <source>warming up…</source>
        <translation>正在预热…</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="80"/>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/progress.py" line="80"/>
        <source>starting…</source>
        <translation>正在启动…</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../../gui/i18n.py" line="23"/>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../../gui/i18n.py" line="23"/>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <location filename="../../gui/reasons.py" line="14"/>
        <source>the file is empty (0 bytes)</source>
        <translation>文件为空（0 字节）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="15"/>
        <source>the file is truncated (incomplete image data)</source>
        <translation>文件被截断（图像数据不完整）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="16"/>
        <source>not a readable image ({detail})</source>
        <translation>无法读取的图像（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="17"/>
        <source>corrupt PNG data ({detail})</source>
        <translation>PNG 数据损坏（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="18"/>
        <source>file not found</source>
        <translation>找不到文件</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="19"/>
        <source>a link to a missing file</source>
        <translation>指向不存在文件的链接</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="20"/>
        <source>is a folder, not an image file</source>
        <translation>是文件夹，不是图像文件</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="21"/>
        <source>not a regular file ({detail})</source>
        <translation>不是普通文件（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="22"/>
        <source>not a regular file ({detail}); not opened</source>
        <translation>不是普通文件（{detail}）；未打开</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="23"/>
        <source>cannot be read ({detail})</source>
        <translation>无法读取（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="24"/>
        <source>the image is too small to judge ({detail})</source>
        <translation>图像太小，无法判断（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="25"/>
        <source>the file is too large ({detail})</source>
        <translation>文件太大（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="26"/>
        <source>{what} is too large ({detail})</source>
        <translation>{what}太大（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="27"/>
        <source>folder holds no JPEG, PNG, TIFF, BMP or DICOM images</source>
        <translation>文件夹中没有 JPEG、PNG、TIFF、BMP 或 DICOM 图像</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="28"/>
        <source>cannot be used ({detail})</source>
        <translation>无法使用（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="29"/>
        <source>DICOM support is not installed (install the extra: pip install &apos;pmscreen[dicom]&apos;, i.e. pydicom)</source>
        <translation>未安装 DICOM 支持（请安装附加组件：pip install &apos;pmscreen[dicom]&apos;，即 pydicom）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="31"/>
        <source>not a readable DICOM file ({detail})</source>
        <translation>无法读取的 DICOM 文件（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="32"/>
        <source>DICOM file without pixel data (not an image)</source>
        <translation>DICOM 文件没有像素数据（不是图像）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="33"/>
        <source>DICOM pixel data cannot be read ({detail})</source>
        <translation>无法读取 DICOM 像素数据（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="34"/>
        <source>DICOM pixel data cannot be decoded ({detail})</source>
        <translation>无法解码 DICOM 像素数据（{detail}）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="35"/>
        <source>DICOM pixel data is not a 2-D image</source>
        <translation>DICOM 像素数据不是二维图像</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="36"/>
        <source>the same image as {name} (identical bytes)</source>
        <translation>与 {name} 是同一张图像（字节完全相同）</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="40"/>
        <source>unknown format or corrupt data</source>
        <translation>未知格式或数据损坏</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="41"/>
        <source>unknown format: JPEG, PNG, TIFF, BMP or DICOM expected</source>
        <translation>未知格式：应为 JPEG、PNG、TIFF、BMP 或 DICOM</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="43"/>
        <source>no picture size in its header</source>
        <translation>文件头中没有图像尺寸</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="47"/>
        <source>too dark</source>
        <translation>过暗</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="48"/>
        <source>over-exposed</source>
        <translation>过曝</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="49"/>
        <source>not a colour photograph</source>
        <translation>不是彩色照片</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="50"/>
        <source>no circular field of view on a dark background</source>
        <translation>没有深色背景上的圆形视野</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="51"/>
        <source>blurred</source>
        <translation>模糊</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="52"/>
        <source>noisy</source>
        <translation>噪点过多</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="56"/>
        <source>mean brightness {value} &lt; {limit}</source>
        <translation>平均亮度 {value} &lt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="57"/>
        <source>mean brightness {value} &gt; {limit}</source>
        <translation>平均亮度 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="58"/>
        <source>{value} of the field is white</source>
        <translation>视野中 {value} 为白色</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="59"/>
        <source>colour saturation {value} &lt; {limit}</source>
        <translation>色彩饱和度 {value} &lt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="60"/>
        <source>background level {value} &gt; {limit}</source>
        <translation>背景亮度 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="61"/>
        <source>bright area {value} of the image &lt; {limit}</source>
        <translation>明亮区域占图像 {value} &lt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="62"/>
        <source>no dark surround</source>
        <translation>没有深色外围</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="63"/>
        <source>outline not round: coverage {coverage}, deviation {deviation}</source>
        <translation>轮廓不圆：覆盖率 {coverage}，偏差 {deviation}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="64"/>
        <source>rim blur {value} px &gt; {limit} px</source>
        <translation>边缘模糊 {value} 像素 &gt; {limit} 像素</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="65"/>
        <source>fine detail {value} &lt; {limit}</source>
        <translation>细节 {value} &lt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="66"/>
        <source>pixel noise {value} &gt; {limit}</source>
        <translation>像素噪声 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="67"/>
        <source>grain {value} &gt; {limit}</source>
        <translation>颗粒噪声 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="68"/>
        <source>colour grain {value} &gt; {limit}</source>
        <translation>彩色颗粒噪声 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="69"/>
        <source>coarse colour grain {value} &gt; {limit}</source>
        <translation>粗尺度彩色颗粒噪声 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="70"/>
        <source>banding {value} &gt; {limit}</source>
        <translation>条纹噪声 {value} &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="71"/>
        <source>{value} of the field are specks &gt; {limit}</source>
        <translation>视野中 {value} 为孤立斑点 &gt; {limit}</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="79"/>
        <source>the image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="80"/>
        <source>the file</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="89"/>
        <source>the image at 1/{0} size</source>
        <translation>以 1/{0} 尺寸解码的图像</translation>
    </message>
    <message>
        <location filename="../../gui/reasons.py" line="120"/>
        <source>{0} ({1})</source>
        <translation>{0}（{1}）</translation>
    </message>
</context>
<context>
    <name>ResearchModelNote</name>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="265"/>
        <source>Research model: its model card is not covered by its seal (added or changed by hand, or written before PM Screen sealed cards), so nothing vouches for its threshold and figures. Use its verdicts for research, not for patients.</source>
        <translation>研究模型：其模型卡不在封印保护范围内（被手工添加或修改，或写于 PM Screen 封印模型卡之前），因此其阈值和指标没有任何保证。其判定仅供研究，不可用于患者。</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/model_picker.py" line="269"/>
        <source>Research model: it was never finalized (no model card), so its threshold and figures come from its own training run and nothing records what it is fit for. Use its verdicts for research, not for patients.</source>
        <translation>研究模型：从未定型（没有模型卡），其阈值和指标来自它自己的训练运行，也没有记录它适用于什么。其判定仅供研究，不可用于患者。</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="104"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="104"/>
        <source>PM probability</source>
        <translation>病理性近视概率</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="104"/>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="106"/>
        <source>Order in which the images were given</source>
        <translation>图像输入的顺序</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="107"/>
        <source>Probability of pathologic myopia</source>
        <translation>病理性近视的概率</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="112"/>
        <source>Error: {0}</source>
        <translation>错误：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="114"/>
        <source>Ungradable — retake: {0}</source>
        <translation>无法分级 — 请重拍：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="115"/>
        <source>PM</source>
        <translation>病理性近视</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/results.py" line="115"/>
        <source>not PM</source>
        <translation>非病理性近视</translation>
    </message>
</context>
<context>
    <name>ResultsPane</name>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="116"/>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="153"/>
        <source>All results ({0})</source>
        <translation>全部结果（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="154"/>
        <source>PM only ({0})</source>
        <translation>仅病理性近视（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="155"/>
        <source>Not PM only ({0})</source>
        <translation>仅非病理性近视（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="156"/>
        <source>Ungradable only ({0})</source>
        <translation>仅无法分级（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="157"/>
        <source>Errors only ({0})</source>
        <translation>仅错误（{0}）</translation>
    </message>
    <message>
        <location filename="../../gui/diagnosis/table.py" line="161"/>
        <source>{0} of {1} rows shown</source>
        <translation>显示 {0} / {1} 行</translation>
    </message>
</context>
<context>
    <name>RunsModel</name>
    <message>
        <location filename="../../gui/training/runs_table.py" line="196"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="196"/>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="196"/>
        <source>Depth</source>
        <translation>深度</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="196"/>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="196"/>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="197"/>
        <source>AUC</source>
        <translation>AUC</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="197"/>
        <source>Sensitivity</source>
        <translation>灵敏度</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="197"/>
        <source>Specificity</source>
        <translation>特异度</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="197"/>
        <source>Time</source>
        <translation>用时</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="197"/>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="210"/>
        <source>Training time: the sum of the run&apos;s epochs (of every fold), over all the sessions it was trained in</source>
        <translation>训练时间：该运行（所有折）各轮次用时之和，包括其所有训练会话</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="233"/>
        <source>{0}
{1}-fold CV</source>
        <translation>{0}
{1} 折交叉验证</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="234"/>
        <source>{0}
(bundled)</source>
        <translation>{0}
（内置）</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="238"/>
        <source>{0} folds × {1}</source>
        <translation>{0} 折 × {1}</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="239"/>
        <source>{0}/{1} folds × {2}</source>
        <translation>{0}/{1} 折 × {2}</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="277"/>
        <source>Recipe: {0}</source>
        <translation>训练方案：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="281"/>
        <source>{0}
Out-of-fold metrics with their 95 % bootstrap intervals; {1} of {2} folds done</source>
        <translation>{0}
折外（OOF）指标及其 95 % 自助法区间；已完成 {1}/{2} 折</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="284"/>
        <source>{0}
Out-of-fold metrics of the cross-validation it was made from, at threshold {1}, with their 95 % bootstrap intervals</source>
        <translation>{0}
生成该模型的交叉验证的折外指标（阈值 {1}），附 95 % 自助法区间</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="288"/>
        <source>{0}
Out-of-fold metrics of the cross-validation it was made from, at threshold {1}</source>
        <translation>{0}
生成该模型的交叉验证的折外指标（阈值 {1}）</translation>
    </message>
</context>
<context>
    <name>RunsTable</name>
    <message>
        <location filename="../../gui/training/runs_table.py" line="422"/>
        <source>Use for diagnosis</source>
        <translation>用于诊断</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="425"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="428"/>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="441"/>
        <source>Compare with</source>
        <translation>与……比较</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="444"/>
        <source>Paired bootstrap of the out-of-fold AUC difference, on the same images and folds</source>
        <translation>在相同图像和相同折上，对折外 AUC 之差做配对自助法检验</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="445"/>
        <source>Needs two finished cross-validations</source>
        <translation>需要两个已完成的交叉验证</translation>
    </message>
    <message>
        <location filename="../../gui/training/runs_table.py" line="455"/>
        <source>Held out other images or folds: a paired comparison needs the same folds (the same data set and seed give them)</source>
        <translation>留出的图像或折不同：配对比较需要相同的折（相同的数据集和随机种子会得到相同的折）</translation>
    </message>
</context>
<context>
    <name>ThumbnailModel</name>
    <message>
        <location filename="../../gui/dataset/grid.py" line="95"/>
        <source>training</source>
        <translation>训练集</translation>
    </message>
    <message>
        <location filename="../../gui/dataset/grid.py" line="95"/>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
</context>
<context>
    <name>TrainingDashboard</name>
    <message>
        <location filename="../../gui/training/dashboard.py" line="86"/>
        <source>Runs</source>
        <translation>训练记录</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="87"/>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="88"/>
        <source>Show the current run</source>
        <translation>显示当前训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="89"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="90"/>
        <source>Continue the selected run, or cross-validation, where it stopped</source>
        <translation>从停止处继续所选的训练或交叉验证</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="91"/>
        <source>Use for diagnosis</source>
        <translation>用于诊断</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="93"/>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="93"/>
        <source>Validation accuracy and AUC</source>
        <translation>验证集准确率与 AUC</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="93"/>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="94"/>
        <source>Accuracy, AUC</source>
        <translation>准确率与 AUC</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="95"/>
        <source>fold {0} of {1}</source>
        <translation>第 {0}/{1} 折</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="96"/>
        <source>training loss (per batch)</source>
        <translation>训练损失（每批次）</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="96"/>
        <source>training loss (per epoch)</source>
        <translation>训练损失（每轮）</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="97"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="97"/>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="97"/>
        <source>AUC</source>
        <translation>AUC</translation>
    </message>
    <message>
        <location filename="../../gui/training/dashboard.py" line="98"/>
        <source>No training curves were saved with this run</source>
        <translation>此运行没有保存训练曲线</translation>
    </message>
</context>
<context>
    <name>TrainingForm</name>
    <message>
        <location filename="../../gui/training/form.py" line="174"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="175"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="176"/>
        <source>Augmentation and regularisation</source>
        <translation>数据增强与正则化</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="177"/>
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="194"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="195"/>
        <source>Stop after the current batch, or once an epoch being validated is saved; what was saved is kept, and Resume continues it</source>
        <translation>在当前批次结束后停止，或在正在验证的轮次保存后停止；已保存的内容会保留，“继续”可接着训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="223"/>
        <source>Custom: variant {0} with its tweaks changed under Advanced.</source>
        <translation>自定义：变体 {0}，其改进项已在“高级”中修改。</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="236"/>
        <source>Start cross-validation</source>
        <translation>开始交叉验证</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="236"/>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="258"/>
        <location filename="../../gui/training/fields.py" line="119"/>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="258"/>
        <source>GPU (not available)</source>
        <translation>GPU（不可用）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="34"/>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="35"/>
        <source>AUC</source>
        <translation>AUC</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="36"/>
        <source>F1 score</source>
        <translation>F1 分数</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="37"/>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="38"/>
        <source>sensitivity</source>
        <translation>灵敏度</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="39"/>
        <source>specificity</source>
        <translation>特异度</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="46"/>
        <source>Run:</source>
        <translation>运行方式：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="47"/>
        <source>One run on the data set&apos;s training and validation images, or K-fold cross-validation: every labelled image scored once by a model that never saw it</source>
        <translation>在数据集的训练图像和验证图像上训练一次，或进行 K 折交叉验证：每张有标签的图像都由一个从未见过它的模型评分一次</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="50"/>
        <source>one training run</source>
        <translation>单次训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="51"/>
        <source>K-fold cross-validation</source>
        <translation>K 折交叉验证</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="53"/>
        <source>Folds (K):</source>
        <translation>折数（K）：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="54"/>
        <source>Each fold trains on the other K − 1 folds and scores its own images</source>
        <translation>每一折在其余 K − 1 折上训练，并为本折的图像评分</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="57"/>
        <source>Images:</source>
        <translation>图像：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="58"/>
        <source>Which labelled images the folds are drawn from</source>
        <translation>从哪些有标签的图像中划分各折</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="59"/>
        <source>training + validation</source>
        <translation>训练集与验证集合并</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="60"/>
        <source>training images only</source>
        <translation>仅训练图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="61"/>
        <source>validation images only</source>
        <translation>仅验证图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="63"/>
        <source>Depth:</source>
        <translation>深度：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="64"/>
        <source>Number of layers: 18 and 34 use basic blocks, 50, 101 and 152 bottleneck blocks. Deeper networks are slower, especially on a CPU.</source>
        <translation>网络层数：18 和 34 使用基本块，50、101 和 152 使用瓶颈块。网络越深越慢，在 CPU 上尤其明显。</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="68"/>
        <source>Variant:</source>
        <translation>变体：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="69"/>
        <source>O — original</source>
        <translation>O — 原始结构</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="70"/>
        <source>B — stride in 3×3</source>
        <translation>B — 在 3×3 卷积下采样</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="71"/>
        <source>C — deep stem</source>
        <translation>C — 深层输入干</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="72"/>
        <source>D — average-pool shortcut</source>
        <translation>D — 平均池化捷径</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="74"/>
        <source>Stride in the 3×3 conv (B)</source>
        <translation>在 3×3 卷积下采样（B）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="75"/>
        <source>Down-sampling blocks stride in their 3×3 conv, not the first 1×1</source>
        <translation>下采样块在 3×3 卷积而不是第一个 1×1 卷积上使用步幅 2</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="78"/>
        <source>Deep stem (C)</source>
        <translation>深层输入干（C）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="79"/>
        <source>Three 3×3 convs replace the 7×7 conv of the stem</source>
        <translation>输入干中用三个 3×3 卷积取代 7×7 卷积</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="81"/>
        <source>Average-pool shortcut (D)</source>
        <translation>平均池化捷径（D）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="82"/>
        <source>2×2 average pooling before the 1×1 projection shortcut</source>
        <translation>在 1×1 投影捷径前加 2×2 平均池化</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="85"/>
        <source>Zero-init last BN γ</source>
        <translation>末层 BN γ 零初始化</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="86"/>
        <source>Zero-initialise the last BatchNorm γ of each residual block</source>
        <translation>将每个残差块最后一个 BatchNorm 的 γ 初始化为零</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="88"/>
        <source>Weight decay:</source>
        <translation>权重衰减：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="90"/>
        <source>Warm-up epochs:</source>
        <translation>预热轮数：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="92"/>
        <source>Keep the epoch with the best:</source>
        <translation>保留该指标最佳的轮次：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="95"/>
        <source>Use at most (images):</source>
        <translation>最多使用（张图像）：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="96"/>
        <source>Train on a stratified subset of this many training images (0 = all), for quick experiments</source>
        <translation>只用这么多张训练图像的分层子集进行训练（0 = 全部），用于快速实验</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="98"/>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="100"/>
        <source>Random seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="102"/>
        <source>Epochs:</source>
        <translation>训练轮数：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="104"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="106"/>
        <source>Learning rate:</source>
        <translation>学习率：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="108"/>
        <source>Optimiser:</source>
        <translation>优化器：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="109"/>
        <source>SGD + momentum</source>
        <translation>SGD + 动量</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="111"/>
        <source>Schedule:</source>
        <translation>学习率策略：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="112"/>
        <source>constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="113"/>
        <source>cosine</source>
        <translation>余弦退火</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="115"/>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="116"/>
        <source>Automatic: the GPU when there is one, else the CPU</source>
        <translation>自动：有 GPU 时使用 GPU，否则使用 CPU</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="117"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="118"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="121"/>
        <source>Random horizontal flips</source>
        <translation>随机水平翻转</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="123"/>
        <source>Random rotation (°):</source>
        <translation>随机旋转（°）：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="125"/>
        <source>Random zoom (±):</source>
        <translation>随机缩放（±）：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="126"/>
        <source>Zoom each training image by a random factor in [1 − s, 1 + s] (0 = off)</source>
        <translation>按 [1 − s, 1 + s] 内的随机倍数缩放每张训练图像（0 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="130"/>
        <source>Random shift:</source>
        <translation>随机平移：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="131"/>
        <source>Move each training image by up to this fraction of its size (0 = off)</source>
        <translation>将每张训练图像最多平移其尺寸的这一比例（0 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="134"/>
        <source>Colour jitter:</source>
        <translation>颜色抖动：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="136"/>
        <source>Random gamma:</source>
        <translation>随机伽马：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="137"/>
        <source>Apply a random tone curve with exponent between 1/(1 + g) and 1 + g (0 = off)</source>
        <translation>对每张训练图像施加随机色调曲线，指数介于 1/(1 + g) 与 1 + g 之间（0 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="141"/>
        <source>Random colour cast (±):</source>
        <translation>随机偏色（±）：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="142"/>
        <source>Scale each colour channel by a random factor in [1 − g, 1 + g] (0 = off)</source>
        <translation>每个颜色通道乘以 [1 − g, 1 + g] 内的随机系数（0 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="146"/>
        <source>Label smoothing:</source>
        <translation>标签平滑：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="147"/>
        <source>Soft targets: 1 − ε for the true class (0 = off)</source>
        <translation>软标签：真实类别为 1 − ε（0 = 关闭）</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="150"/>
        <source>Mixup α:</source>
        <translation>Mixup α：</translation>
    </message>
    <message>
        <location filename="../../gui/training/fields.py" line="151"/>
        <source>Mix pairs of images with a Beta(α, α) weight (0 = off)</source>
        <translation>按 Beta(α, α) 权重混合图像对（0 = 关闭）</translation>
    </message>
</context>
<context>
    <name>TrainingLog</name>
    <message>
        <location filename="../../gui/training/log.py" line="77"/>
        <source>WARNING: {0}</source>
        <translation>警告：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="77"/>
        <location filename="../../gui/training/log.py" line="105"/>
        <source>ERROR: {0}</source>
        <translation>错误：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="82"/>
        <source>data: {0} training images ({1}), {2} validation images</source>
        <translation>数据：{0} 张训练图像（{1}），{2} 张验证图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="85"/>
        <source>; skipped {0} unusable file(s):</source>
        <translation>；跳过 {0} 个无法使用的文件：</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="93"/>
        <source>epoch {0}/{1}  train loss {2:.4f}  val loss {3:.4f}  acc {4}  auc {5:.4f}  sens {6}  spec {7}  {8:.0f} s</source>
        <translation>第 {0}/{1} 轮  训练损失 {2:.4f}  验证损失 {3:.4f}  准确率 {4}  AUC {5:.4f}  灵敏度 {6}  特异度 {7}  {8:.0f} 秒</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="97"/>
        <source>*best*</source>
        <translation>*最佳*</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="100"/>
        <source>saved the best model and a checkpoint to {0}</source>
        <translation>已将最佳模型和检查点保存到 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="101"/>
        <source>saved a checkpoint to {0}</source>
        <translation>已将检查点保存到 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="125"/>
        <source>stopped after {0:.0f} s; no epoch completed, no model saved</source>
        <translation>{0:.0f} 秒后已停止；没有完成任何一轮，未保存模型</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="113"/>
        <source>finished after {0:.0f} s; no epoch completed, no model saved</source>
        <translation>{0:.0f} 秒后结束；没有完成任何一轮，未保存模型</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="81"/>
        <source>by file name</source>
        <translation>按文件名</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="114"/>
        <source>finished in {0:.0f} s; best epoch {1}: accuracy {2}, AUC {3:.4f}; model in {4}</source>
        <translation>用时 {0:.0f} 秒完成；最佳轮次 {1}：准确率 {2}，AUC {3:.4f}；模型位于 {4}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="123"/>
        <source>stopped after {0:.0f} s in epoch {1}, which is not kept; no epoch completed, no model saved</source>
        <translation>{0:.0f} 秒后在第 {1} 轮中途停止，该轮未保留；没有完成任何一轮，未保存模型</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="127"/>
        <source>stopped after {0:.0f} s in epoch {1}, which is not kept; kept: epoch {2}, the last completed, and best epoch {3}: accuracy {4}, AUC {5:.4f}; model in {6}</source>
        <translation>{0:.0f} 秒后在第 {1} 轮中途停止，该轮未保留；已保留：最后完成的第 {2} 轮，以及最佳轮次 {3}：准确率 {4}，AUC {5:.4f}；模型位于 {6}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="130"/>
        <source>stopped after {0:.0f} s at the end of epoch {1}; best epoch {2}: accuracy {3}, AUC {4:.4f}; model in {5}</source>
        <translation>{0:.0f} 秒后在第 {1} 轮结束时停止；最佳轮次 {2}：准确率 {3}，AUC {4:.4f}；模型位于 {5}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="136"/>
        <source>fold {0} of {1} (resumed): {2} training images, {3} held out</source>
        <translation>第 {0}/{1} 折（继续）：{2} 张训练图像，{3} 张留出</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="137"/>
        <source>fold {0} of {1}: {2} training images, {3} held out</source>
        <translation>第 {0}/{1} 折：{2} 张训练图像，{3} 张留出</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="143"/>
        <source>fold {0} of {1} done earlier</source>
        <translation>第 {0}/{1} 折此前已完成</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="144"/>
        <source>fold {0} of {1} done in {2:.0f} s</source>
        <translation>第 {0}/{1} 折用时 {2:.0f} 秒完成</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="146"/>
        <source>: held-out accuracy {0}, AUC {1:.4f}</source>
        <translation>：留出图像准确率 {0}，AUC {1:.4f}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="151"/>
        <source>cross-validation stopped after {0:.0f} s with {1} of {2} folds done; resume it from the runs table</source>
        <translation>交叉验证在 {0:.0f} 秒后停止，已完成 {1}/{2} 折；可在训练记录表中继续</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="154"/>
        <source>cross-validation finished in {0:.0f} s: out-of-fold accuracy {1} ({2}–{3}), AUC {4:.4f} ({5:.4f}–{6:.4f}); summary in {7}</source>
        <translation>交叉验证用时 {0:.0f} 秒完成：折外准确率 {1}（{2}–{3}），AUC {4:.4f}（{5:.4f}–{6:.4f}）；汇总见 {7}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="164"/>
        <source>device {0}</source>
        <translation>设备 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="166"/>
        <source> with mixed precision</source>
        <translation>，混合精度</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="168"/>
        <source>, process {0} of {1}</source>
        <translation>，进程 {0}/{1}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="174"/>
        <source>decoding {0} training and {1} validation images ({2} layout; validation: {3})</source>
        <translation>正在解码 {0} 张训练图像和 {1} 张验证图像（{2} 布局；验证集：{3}）</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="178"/>
        <source>resumed {0} after epoch {1}</source>
        <translation>已在第 {1} 轮之后继续 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="184"/>
        <source>{0} group(s) of identical images (the same bytes under other names, e.g. {1}): each group is kept in one fold (all are listed in cv.json, &quot;identical&quot;)</source>
        <translation>{0} 组完全相同的图像（同一文件内容、不同文件名，例如 {1}）：每组都放在同一折中（全部列在 cv.json 的 &quot;identical&quot; 中）</translation>
    </message>
    <message>
        <location filename="../../gui/training/log.py" line="189"/>
        <source>{0} of the {1} validation images are identical copies of training images (e.g. {2}): on them the validation figures measure recall, not new patients</source>
        <translation>{1} 张验证图像中有 {0} 张与训练图像完全相同（例如 {2}）：在这些图像上，验证结果衡量的是记忆，而不是对新患者的判断</translation>
    </message>
</context>
<context>
    <name>TrainingView</name>
    <message>
        <location filename="../../gui/training/view.py" line="134"/>
        <source>No data set: open one in the Dataset view first.</source>
        <translation>没有数据集：请先在“数据集”视图中打开一个。</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="136"/>
        <source>Data: {0} — {1} training and {2} validation images</source>
        <translation>数据：{0} — {1} 张训练图像，{2} 张验证图像</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="199"/>
        <source>Resuming {0}</source>
        <translation>正在继续 {0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="234"/>
        <source>Cross-validation started</source>
        <translation>交叉验证已开始</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="235"/>
        <source>Training started</source>
        <translation>训练已开始</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="339"/>
        <source>Cross-validation failed: {0}</source>
        <translation>交叉验证失败：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="343"/>
        <source>Cross-validation stopped; Resume in the runs table continues it</source>
        <translation>交叉验证已停止；可用训练记录表中的“继续”接着运行</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="344"/>
        <source>Cross-validation finished: out-of-fold accuracy {0}, AUC {1:.4f}</source>
        <translation>交叉验证已完成：折外准确率 {0}，AUC {1:.4f}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="348"/>
        <source>Training finished</source>
        <translation>训练已完成</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="429"/>
        <source>{0}: {1} of {2} folds done</source>
        <translation>{0}：已完成 {1}/{2} 折</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="433"/>
        <source>{0}: out-of-fold accuracy {1} ({2}–{3}), AUC {4:.4f} ({5:.4f}–{6:.4f})</source>
        <translation>{0}：折外准确率 {1}（{2}–{3}），AUC {4:.4f}（{5:.4f}–{6:.4f}）</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="339"/>
        <source>Training failed: {0}</source>
        <translation>训练失败：{0}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/training/view.py" line="176"/>
        <source>%n epoch(s)</source>
        <translation>
            <numerusform>%n 轮</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="179"/>
        <source>Cross-validation {0}: {1}, {2} folds, {3} each, batch size {4}, learning rate {5:g}</source>
        <translation>交叉验证 {0}：{1}，{2} 折，每折 {3}，批大小 {4}，学习率 {5:g}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="182"/>
        <source>Run {0}: ResNet-{1}-{2}, {3}, batch size {4}, learning rate {5:g}</source>
        <translation>训练 {0}：ResNet-{1}-{2}，{3}，批大小 {4}，学习率 {5:g}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="231"/>
        <source>Cross-validation resumed</source>
        <translation>交叉验证已继续</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="232"/>
        <source>Training resumed</source>
        <translation>训练已继续</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="253"/>
        <source>Stop training</source>
        <translation>停止训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="254"/>
        <source>No epoch has finished yet: stopping now keeps nothing of this run (no model, nothing to resume). Only whole epochs are kept.</source>
        <translation>还没有完成任何一轮：现在停止将不保留本次训练的任何内容（没有模型，也无法继续）。只有完整的轮次会被保留。</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="256"/>
        <source>Stop and discard</source>
        <translation>停止并丢弃</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="257"/>
        <source>Keep training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="263"/>
        <source>An epoch has been kept meanwhile: Stop now keeps it</source>
        <translation>与此同时已有一轮被保留：现在停止会保留它</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="328"/>
        <source>training time over all its sessions: {0} (the runs table&apos;s Time)</source>
        <translation>各次会话合计训练用时：{0}（即训练记录表中的“用时”）</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="353"/>
        <source>Training stopped before an epoch completed; no model saved</source>
        <translation>训练在完成任何一轮之前已停止；未保存模型</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="355"/>
        <source>Training stopped in epoch {0}, which is not kept; kept: the last completed epoch {1} and the best, epoch {2}</source>
        <translation>训练在第 {0} 轮中途停止，该轮未保留；已保留：最后完成的第 {1} 轮和最佳的第 {2} 轮</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="358"/>
        <source>Training stopped after epoch {0}; the best is epoch {1}</source>
        <translation>训练在第 {0} 轮结束后停止；最佳为第 {1} 轮</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="367"/>
        <source>Stopping once epoch {0} is validated and saved…</source>
        <translation>第 {0} 轮验证并保存后停止…</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="369"/>
        <source>Stopping after this batch…</source>
        <translation>将在本批次结束后停止…</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="371"/>
        <source>Reading images and building the network…</source>
        <translation>正在读取图像并构建网络…</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="373"/>
        <source>Epoch {0}/{1} · validating: {2} of {3} images · about {4} left</source>
        <translation>第 {0}/{1} 轮 · 正在验证：{2} / {3} 张图像 · 预计剩余 {4}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="376"/>
        <source>Epoch {0}/{1} · batch {2}/{3} · {4:.1f} images/s · about {5} left</source>
        <translation>第 {0}/{1} 轮 · 批次 {2}/{3} · {4:.1f} 张/秒 · 预计剩余 {5}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="379"/>
        <source>Fold {0}/{1} · {2}</source>
        <translation>第 {0}/{1} 折 · {2}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="381"/>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="381"/>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="382"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="382"/>
        <source>Idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="393"/>
        <source>Run {0} kept nothing</source>
        <translation>训练 {0} 未保留任何内容</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="384"/>
        <location filename="../../gui/training/view.py" line="397"/>
        <source>Current run: {0}</source>
        <translation>当前训练：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="391"/>
        <source>No run yet</source>
        <translation>尚无训练</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="400"/>
        <source>Showing run: {0}</source>
        <translation>正在显示：{0}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="436"/>
        <source>{0}: best accuracy {1}, AUC {2}</source>
        <translation>{0}：最佳准确率 {1}，AUC {2}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="453"/>
        <source>Comparing {0} with {1}…</source>
        <translation>正在比较 {0} 与 {1}…</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="462"/>
        <source>{0} and {1} cannot be compared: {2}</source>
        <translation>{0} 与 {1} 无法比较：{2}</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="464"/>
        <source>measurably different</source>
        <translation>有可测差异</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="465"/>
        <source>not measurably different</source>
        <translation>无可测差异</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="466"/>
        <source>Out-of-fold AUC over the same {0} images and folds: {1} (A) {2:.4f}, {3} (B) {4:.4f}. B − A = {5:+.4f}, 95 % paired bootstrap interval {6:+.4f} to {7:+.4f}: {8}.</source>
        <translation>相同的 {0} 张图像与相同折上的折外 AUC：{1}（A）{2:.4f}，{3}（B）{4:.4f}。B − A = {5:+.4f}，95% 配对自助法区间 {6:+.4f} 至 {7:+.4f}：{8}。</translation>
    </message>
    <message>
        <location filename="../../gui/training/view.py" line="475"/>
        <source>Paired comparison</source>
        <translation>配对比较</translation>
    </message>
</context>
<context>
    <name>VariantHelp</name>
    <message>
        <location filename="../../gui/training/form.py" line="34"/>
        <source>Original ResNet: the down-sampling bottleneck strides in its first 1x1 conv.</source>
        <translation>原始 ResNet：下采样的瓶颈块在第一个 1x1 卷积上使用步幅 2。</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="36"/>
        <source>Stride 2 moved to the 3x3 conv, so the 1x1 conv no longer skips 3/4 of the input.</source>
        <translation>步幅 2 移到 3x3 卷积，1x1 卷积因此不再丢弃 3/4 的输入。</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="38"/>
        <source>B plus a deep stem: three 3x3 convs (32, 32, 64 channels) replace the 7x7 conv.</source>
        <translation>在 B 的基础上使用深层输入干：三个 3x3 卷积（32、32、64 通道）取代 7x7 卷积。</translation>
    </message>
    <message>
        <location filename="../../gui/training/form.py" line="40"/>
        <source>C plus 2x2 average pooling before the 1x1 projection shortcut, which then keeps all pixels.</source>
        <translation>在 C 的基础上，在 1x1 投影捷径前加 2x2 平均池化，从而保留全部像素的信息。</translation>
    </message>
</context>
</TS>
